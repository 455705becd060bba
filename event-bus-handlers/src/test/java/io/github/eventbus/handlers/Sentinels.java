package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Ordering against a sentinel file, for watcher tests inside and outside this package: changes
 * are published in the order they became quiet, so once the sentinel's change arrives, every
 * change made before it has been published.
 */
public final class Sentinels {

  private Sentinels() {}

  /**
   * Creates a sentinel file in a directory and returns every change taken from {@code changes}
   * before the sentinel's own, waiting up to 20 s for each.
   *
   * @param changes where the test's subscriber puts the published changes
   * @param directory a watched directory
   * @param name the sentinel's file name
   * @return the changes published before the sentinel
   * @throws Exception if the file cannot be written or the wait is interrupted
   */
  public static List<FileChange> changesUntilSentinel(BlockingQueue<FileChange> changes,
      Path directory, String name) throws Exception {
    Path sentinel = Files.writeString(directory.resolve(name), "sentinel");
    List<FileChange> seen = new ArrayList<>();
    while (true) {
      FileChange next = changes.poll(20, TimeUnit.SECONDS);
      assertThat(next).as("a change before the sentinel " + name).isNotNull();
      if (next.filePath().equals(sentinel.toString())) {
        return seen;
      }
      seen.add(next);
    }
  }
}
