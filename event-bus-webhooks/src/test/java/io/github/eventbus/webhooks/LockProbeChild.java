package io.github.eventbus.webhooks;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The child JVM of {@link OutboxLockTest}: tries the operating-system lock of a file, as another
 * process's client would, and prints {@code locked} or {@code refused}. With a second argument
 * {@code hold}, keeps a lock it got until its standard input ends.
 */
public final class LockProbeChild {

  private LockProbeChild() {}

  /**
   * Tries the lock once.
   *
   * @param args the lock file, and optionally {@code hold}
   */
  public static void main(String[] args) throws Exception {
    try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      boolean locked = channel.tryLock() != null;
      System.out.println(locked ? "locked" : "refused");
      System.out.flush();
      if (locked && args.length > 1 && args[1].equals("hold")) {
        System.in.readAllBytes();
      }
    }
  }
}
