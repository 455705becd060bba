package io.github.eventbus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File-system steps that tests of every module take, written once. */
public final class TestFiles {

  private TestFiles() {}

  /**
   * Deletes a directory and everything below it, if it is there; a link is deleted, not followed.
   *
   * @param root the directory
   * @throws IOException if something below it cannot be deleted
   */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
