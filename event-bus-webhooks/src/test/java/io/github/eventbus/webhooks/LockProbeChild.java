package io.github.eventbus.webhooks;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The child JVM of {@link OutboxLockTest}: tries the operating-system lock of a file, as another
 * process's client would, and prints {@code locked} or {@code refused}.
 */
public final class LockProbeChild {

  private LockProbeChild() {}

  /**
   * Tries the lock once.
   *
   * @param args the lock file
   */
  public static void main(String[] args) throws Exception {
    try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      System.out.println(channel.tryLock() != null ? "locked" : "refused");
    }
  }
}
