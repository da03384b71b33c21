package io.taskforce.server;

import java.util.concurrent.Callable;
import org.apache.pekko.actor.CoordinatedShutdown;
import picocli.CommandLine.Command;
import sun.misc.Signal;

/** {@code taskforce server}: runs one node until SIGTERM (or SIGINT), then stops it cleanly. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Start a Taskforce node with its HTTP API (configuration: conf/ and TASKFORCE_* variables).")
final class ServerCommand implements Callable<Integer> {

  @Override
  public Integer call() throws Exception {
    ServerMain server;
    try {
      server = ServerMain.start(ServerConfig.load(System.getenv()));
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      System.err.println("taskforce server: cannot start: " + cause.getMessage());
      return 1;
    }
    ServerMain.logStarted(server);
    System.out.println(server.banner());
    System.out.flush();
    // SIGTERM and SIGINT run the coordinated shutdown (stop accepting, finish in-flight requests,
    // hand tasks off, leave the cluster), which then exits the JVM with status 0.
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal ->
          CoordinatedShutdown.get(server.system()).runAll(CoordinatedShutdown.unknownReason()));
    }
    server.system().getWhenTerminated().toCompletableFuture().join();
    return 0;
  }
}
