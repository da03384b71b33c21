package io.taskforce.server.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A client verb: it runs against the API and turns every failure into a one-line message on
 * standard error and an {@link ExitCode}, never a stack trace. Output is UTF-8.
 */
abstract class ClientCommand implements Callable<Integer> {
  @Mixin
  ClientOptions client;

  @Spec
  CommandSpec spec;

  final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
  final PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);

  /** The verb's work; returns the exit code. */
  abstract int run(Api api) throws Exception;

  @Override
  public final Integer call() {
    try {
      return run(client.api());
    } catch (ParameterException e) {
      throw e;
    } catch (CliFailure failure) {
      return fail(failure.exitCode(), failure.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(ExitCode.FAILED, "interrupted");
    } catch (Exception e) {
      return fail(ExitCode.FAILED, Api.describe(e));
    } finally {
      out.flush();
    }
  }

  boolean json() {
    return client.json;
  }

  /** A usage error found after parsing: picocli prints it with the usage and exits 2. */
  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private int fail(int code, String message) {
    out.flush();
    err.println("taskforce " + spec.name() + ": " + message);
    return code;
  }
}
