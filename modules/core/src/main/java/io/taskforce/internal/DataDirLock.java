package io.taskforce.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One node per data directory: a second process started on the same directory must not open its
 * database, nor kill the first one's processes as if they were left over. The lock is an OS file
 * lock on {@code <data dir>/node.lock}, so it goes with the process, even after kill -9.
 */
public final class DataDirLock {
  private static final Map<Path, FileLock> HELD = new ConcurrentHashMap<>();

  private DataDirLock() {}

  /** Takes the lock (again, harmlessly, if this process holds it); fails if another process does. */
  public static void acquire(Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    HELD.computeIfAbsent(dir, d -> {
      try {
        Files.createDirectories(d);
        FileChannel channel = FileChannel.open(d.resolve("node.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
          channel.close();
          throw new IllegalStateException("the data directory " + d + " is in use by another Taskforce node");
        }
        return lock;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot lock the data directory " + d, e);
      }
    });
  }

  /** Gives the lock back (when the node stops). */
  public static void release(Path dataDir) {
    FileLock lock = HELD.remove(dataDir.toAbsolutePath().normalize());
    if (lock == null) return;
    try {
      lock.release();
      lock.channel().close();
    } catch (IOException e) {
      // The process is stopping; the OS drops the lock with it anyway.
    }
  }
}
