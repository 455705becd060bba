package io.github.eventbus.handlers.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.EventBus;
import io.github.eventbus.handlers.ChangeType;
import io.github.eventbus.handlers.ChecksumAlgorithm;
import io.github.eventbus.handlers.FileChange;
import io.github.eventbus.handlers.FileWatcher;
import io.github.eventbus.handlers.Sentinels;
import io.github.eventbus.outside.BuilderPromises;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promises of {@link FileWatcher} and its builder, from outside the package. */
class FileWatcherPromisesTest {

  @TempDir Path dir;
  private final EventBus bus = EventBus.builder().name("watch-promises").build();
  private final BlockingQueue<FileChange> changes = new LinkedBlockingQueue<>();

  @AfterEach
  void closeBus() {
    bus.close();
  }

  private static Optional<Thread> thread(String name) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
        .findFirst();
  }

  /** Creates a sentinel file and returns every change published before its own. */
  private List<FileChange> changesBeforeSentinel(String name) throws Exception {
    return Sentinels.changesUntilSentinel(changes, dir, name);
  }

  @Test
  void builder_badValues_failFast_namingWhatIsWrong() throws Exception {
    Path file = Files.writeString(dir.resolve("plain.txt"), "x");
    assertThatThrownBy(() -> FileWatcher.builder(bus).watch(file))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
    assertThatThrownBy(() -> FileWatcher.builder(bus).watch(dir.resolve("missing")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FileWatcher.builder(bus).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("watch");
    assertThatThrownBy(() -> FileWatcher.builder(bus).debounce(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("debounce");
    assertThatThrownBy(() -> FileWatcher.builder(null)).hasMessageContaining("bus");
    FileWatcher.builder(bus).debounce(Duration.ZERO); // "zero or more"

    BuilderPromises.eachOptionOnce(() -> FileWatcher.builder(bus),
        Map.<String, Consumer<FileWatcher.Builder>>of(
        "debounce", b -> b.debounce(Duration.ofMillis(10)),
        "checksum", b -> b.checksum(ChecksumAlgorithm.MD5),
        "name", b -> b.name("twice"),
        "clock", b -> b.clock(java.time.Clock.systemUTC())));
  }

  @Test
  void start_runsOneDaemonNamedAfterTheFirstDirectory_closeStopsIt_bothIdempotent()
      throws Exception {
    Path root = Files.createDirectory(dir.resolve("promised-root"));
    Path second = Files.createDirectory(dir.resolve("second-root"));
    FileWatcher watcher = FileWatcher.builder(bus).watch(root).watch(second).build();
    watcher.start();
    watcher.start();
    Thread thread = thread("file-watcher-promised-root").orElseThrow();
    assertThat(thread.isDaemon()).isTrue();
    assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(t -> t.getName().startsWith("file-watcher-promised-root")).hasSize(1);
    watcher.close();
    assertThat(thread.isAlive()).as("close() returns once the thread stopped").isFalse();
    watcher.close();
  }

  @Test
  void close_beforeStart_isHarmless_andStartsNoThread() {
    FileWatcher watcher = FileWatcher.builder(bus).watch(dir).name("never-started").build();
    watcher.close();
    watcher.close();
    assertThat(thread("file-watcher-never-started")).isEmpty();
  }

  @Test
  void debouncing_createdThenDeletedIsNothing_deletedThenCreatedIsModified() throws Exception {
    Path kept = Files.writeString(dir.resolve("kept.txt"), "first");
    bus.subscribe(FileChange.class, changes::add);
    // The four changes below must fall within one quiet time even when a loaded machine pauses
    // this thread between two of them; a pause of a second has been seen.
    try (FileWatcher watcher = FileWatcher.builder(bus).watch(dir).debounce(Duration.ofSeconds(3))
        .build()) {
      watcher.start();
      Path ghost = Files.writeString(dir.resolve("ghost.txt"), "here and gone");
      Files.delete(ghost);
      Files.delete(kept);
      Files.writeString(kept, "second, longer");

      List<FileChange> seen = changesBeforeSentinel("sentinel.txt");

      assertThat(seen).singleElement().satisfies(c -> {
        assertThat(c.filePath()).isEqualTo(kept.toString());
        assertThat(c.changeType()).isEqualTo(ChangeType.MODIFIED);
        assertThat(c.size()).isEqualTo(14);
        assertThat(c.checksum()).startsWith("sha256:");
      });
    }
  }

  @Test
  void excludeWinsOverInclude_andGlobsMatchTheNameAtAnyDepth() throws Exception {
    Path nested = Files.createDirectories(dir.resolve("a/b"));
    bus.subscribe(FileChange.class, changes::add);
    try (FileWatcher watcher = FileWatcher.builder(bus).watch(dir).include("*.txt")
        .include("sentinel*").exclude("secret*").debounce(Duration.ofMillis(200)).build()) {
      watcher.start();
      Files.writeString(nested.resolve("deep.txt"), "in");
      Files.writeString(nested.resolve("secret.txt"), "excluded although included");
      Files.writeString(nested.resolve("deep.csv"), "not included");
      Path sentinel = Files.writeString(dir.resolve("sentinel"), "sentinel");

      // Until both the file of the nested directory and the sentinel of the root have come, in
      // either order: they are watched on two keys. Changes to the nested files are noted
      // together, so an excluded one published by mistake comes with deep.txt.
      List<String> seen = new ArrayList<>();
      while (!seen.contains(sentinel.toString())
          || !seen.contains(nested.resolve("deep.txt").toString())) {
        FileChange next = changes.poll(20, TimeUnit.SECONDS);
        assertThat(next).as("a change, after %s", seen).isNotNull();
        seen.add(next.filePath());
      }
      assertThat(seen).containsExactlyInAnyOrder(nested.resolve("deep.txt").toString(),
          sentinel.toString());
    }
  }
}
