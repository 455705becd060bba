package io.github.eventbus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * File-system steps that tests of every module take, written once. A writer that restores its
 * lost file (the outbox, {@code restoreOnVanish}) may re-create a directory at any moment, even
 * while idle, so these steps retry until they have taken effect instead of failing on that race.
 */
public final class TestFiles {

  private static final int ATTEMPTS = 1_000;

  private TestFiles() {}

  /**
   * Deletes a directory and everything below it, if it is there; a link is deleted, not followed.
   * If something is re-created below it meanwhile, starts again, so that on return the tree was
   * gone at least once.
   *
   * @param root the directory
   * @throws IOException if something below it cannot be deleted
   */
  public static void deleteTree(Path root) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        deleteTreeOnce(root);
        return;
      } catch (DirectoryNotEmptyException | NoSuchFileException raced) {
        if (attempt == ATTEMPTS) {
          throw raced;
        }
      }
    }
  }

  private static void deleteTreeOnce(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (UncheckedIOException walkRaced) {
      throw walkRaced.getCause(); // an entry went away under the walk
    }
  }

  /**
   * Puts a regular file holding {@code text} where {@code path} is, deleting the tree there
   * first: a directory a writer needs becomes something in its way. Retries if the directory is
   * re-created between the deletion and the new file.
   *
   * @param path the directory (or file) to replace
   * @param text the new file's contents
   * @throws IOException if it cannot be done
   */
  public static void replaceWithFile(Path path, String text) throws IOException {
    for (int attempt = 1; ; attempt++) {
      deleteTree(path);
      try {
        Files.writeString(path, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        return;
      } catch (FileAlreadyExistsException raced) {
        if (attempt == ATTEMPTS) {
          throw raced;
        }
      } catch (FileSystemException raced) {
        // "Is a directory" on some platforms when the directory came back in between.
        if (attempt == ATTEMPTS || !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          throw raced;
        }
      }
    }
  }
}
