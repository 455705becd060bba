package io.github.eventbus.handlers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;

/** Lower-case hex digests of files, read in 64 KiB chunks. */
final class Digests {

  private Digests() {}

  /** Thrown when the reader was told to stop before the whole file was read. */
  static final class Stopped extends IOException {
    Stopped(Path file) {
      super("stopped before " + file + " was read to its end");
    }
  }

  static String hex(Path file, String algorithm) throws IOException {
    return hex(file, algorithm, () -> false);
  }

  /**
   * The digest, read until {@code stop} says otherwise (asked before each chunk).
   *
   * @throws Stopped if {@code stop} said so before the end
   */
  static String hex(Path file, String algorithm, BooleanSupplier stop) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has " + algorithm, e);
    }
    // Files.newInputStream reads on through an interrupt (close() interrupts the watcher thread);
    // an interruptible FileChannel would fail the read and report the file as unreadable.
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        if (stop.getAsBoolean()) {
          throw new Stopped(file);
        }
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
