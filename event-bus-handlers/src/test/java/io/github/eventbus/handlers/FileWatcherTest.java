package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.EventBus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against real file system changes. Within one directory, ordering is proved with a sentinel
 * file: changes are published in the order they became quiet, so once the sentinel's event
 * arrives, every earlier change in that directory has been published. (The watch service orders
 * events per directory, not across directories.)
 */
@Tag("slow")
class FileWatcherTest {

  @TempDir Path dir;
  private final BlockingQueue<FileChange> changes = new LinkedBlockingQueue<>();
  private final EventBus bus = EventBus.builder().name("watch").build();
  private FileWatcher watcher;

  private void start(FileWatcher.Builder builder) {
    start(builder, Duration.ofMillis(50));
  }

  private void start(FileWatcher.Builder builder, Duration debounce) {
    bus.subscribe(FileChange.class, changes::add);
    watcher = builder.debounce(debounce).name("test").build();
    watcher.start();
  }

  @AfterEach
  void tearDown() {
    if (watcher != null) {
      watcher.close();
    }
    bus.close();
  }

  /** Creates a sentinel and returns every change published up to and including it. */
  private List<FileChange> changesUntilSentinel(String name) throws Exception {
    Path sentinel = dir.resolve(name);
    Files.writeString(sentinel, "sentinel");
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

  @Test
  void createModifyDelete_arePublished_withSizeTimeAndChecksum() throws Exception {
    start(FileWatcher.builder(bus).watch(dir));
    Path file = dir.resolve("a.txt");

    Files.writeString(file, "hello");
    List<FileChange> created = changesUntilSentinel("s1");
    Files.writeString(file, "hello, world");
    List<FileChange> modified = changesUntilSentinel("s2");
    Files.delete(file);
    List<FileChange> deleted = changesUntilSentinel("s3");

    assertThat(created).singleElement().satisfies(c -> {
      assertThat(c.changeType()).isEqualTo(ChangeType.CREATED);
      assertThat(c.size()).isEqualTo(5);
      assertThat(c.modifiedTime()).isNotNull();
      assertThat(c.checksum()).isEqualTo(
          "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    });
    assertThat(modified).singleElement().satisfies(c -> {
      assertThat(c.changeType()).isEqualTo(ChangeType.MODIFIED);
      assertThat(c.size()).isEqualTo(12);
    });
    assertThat(deleted).singleElement().satisfies(c -> {
      assertThat(c.changeType()).isEqualTo(ChangeType.DELETED);
      assertThat(c.size()).isNull();
    });
    assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals("file-watcher-test"));
  }

  @Test
  void burstOfWrites_isOneEvent_andIdenticalRewriteIsSuppressed() throws Exception {
    // A long quiet time, so that a slow machine pausing mid-burst still sees one burst.
    start(FileWatcher.builder(bus).watch(dir), Duration.ofSeconds(1));
    Path file = dir.resolve("burst.log");
    for (int i = 0; i < 50; i++) {
      Files.writeString(file, "line " + i + "\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
    List<FileChange> burst = changesUntilSentinel("s1");

    byte[] content = Files.readAllBytes(file);
    Files.write(file, content); // same bytes again
    List<FileChange> rewrite = changesUntilSentinel("s2");

    assertThat(burst).singleElement().satisfies(c -> assertThat(c.changeType()).isEqualTo(ChangeType.CREATED));
    assertThat(rewrite).isEmpty();
  }

  @Test
  void nestedDirectoryCreatedLater_isWatchedToo() throws Exception {
    start(FileWatcher.builder(bus).watch(dir));
    Path nested = Files.createDirectories(dir.resolve("x/y"));
    changesUntilSentinel("s0"); // the new directories are registered
    Path deep = nested.resolve("deep.txt");
    Files.writeString(deep, "deep");

    // The watch service orders events per directory only, so a sentinel in the root proves
    // nothing here: wait for the nested file's own event.
    FileChange change;
    do {
      change = changes.poll(20, TimeUnit.SECONDS);
      assertThat(change).as("a change of " + deep).isNotNull();
    } while (!change.filePath().equals(deep.toString()));
    assertThat(change.changeType()).isEqualTo(ChangeType.CREATED);
  }

  @Test
  void includeAndExcludeGlobs_selectFiles() throws Exception {
    start(FileWatcher.builder(bus).watch(dir).include("*.txt").include("s*").exclude("skip*"));

    Files.writeString(dir.resolve("keep.txt"), "k");
    Files.writeString(dir.resolve("ignored.tmp"), "i");
    Files.writeString(dir.resolve("skip.txt"), "s");

    assertThat(changesUntilSentinel("s1")).extracting(c -> Path.of(c.filePath()).getFileName().toString())
        .containsExactly("keep.txt");
  }

  @Test
  void md5_onlyWhenAsked_andNoneTurnsChecksumsOff() throws Exception {
    start(FileWatcher.builder(bus).watch(dir).checksum(ChecksumAlgorithm.MD5));
    Files.writeString(dir.resolve("m.txt"), "hello");

    assertThat(changesUntilSentinel("s1")).singleElement().satisfies(c ->
        assertThat(c.checksum()).isEqualTo("md5:5d41402abc4b2a76b9719d911017c592"));
  }
}
