package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.EventBus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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

  /**
   * Starts the watcher with a quiet time longer than a loaded machine pauses a writer between a
   * file's creation and its content: with 50 ms, such a pause splits one write into created and
   * modified (a sentinel's late modified would then also count as a change before the next one).
   */
  private void start(FileWatcher.Builder builder) {
    bus.subscribe(FileChange.class, changes::add);
    watcher = builder.debounce(HandlersProbes.QUIET).name("test").build();
    watcher.start();
  }

  @AfterEach
  void tearDown() {
    if (watcher != null) {
      watcher.close();
    }
    bus.close();
  }

  /** Creates a sentinel and returns every change published before it. */
  private List<FileChange> changesUntilSentinel(String name) throws Exception {
    return changesUntilSentinel(dir, name);
  }

  /** Creates a sentinel in a directory and returns every change published before it. */
  private List<FileChange> changesUntilSentinel(Path directory, String name) throws Exception {
    return Sentinels.changesUntilSentinel(changes, directory, name);
  }

  @Test
  void subdirectoriesThatComeAndGo_leaveNoTraceInTheTree() throws Exception {
    start(FileWatcher.builder(bus).watch(dir));
    WatchedTree tree = watcher.tree();
    Set<Path> atStart = tree.knownDirectories();
    for (int i = 0; i < 20; i++) {
      Path sub = Files.createDirectory(dir.resolve("job-" + i));
      assertThat(ProbeSupport.await(() -> tree.knownDirectories().contains(sub), 20_000))
          .as("job-" + i + " watched").isTrue();
      Files.delete(sub);
    }
    // A long-lived watcher over directories that come and go keeps only those still there.
    ProbeSupport.await(() -> tree.knownDirectories().equals(atStart), 10_000);
    assertThat(tree.knownDirectories()).isEqualTo(atStart);
  }

  @Test
  void aRootNamedWithLineBreaksAndBidiControls_namesItsThreadEscaped() throws Exception {
    Path root = Files.createDirectory(dir.resolve("r\nFORGED \u202Eevil"));
    watcher = FileWatcher.builder(bus).watch(root).build();
    watcher.start();
    // A thread's name is printed in every log line written on it.
    assertThat(Thread.getAllStackTraces().keySet()).map(Thread::getName)
        .filteredOn(n -> n.startsWith("file-watcher-")).isNotEmpty()
        .allSatisfy(n -> assertThat(n).doesNotContain("\n", "\u202E"));
  }

  @Test
  void watch_directoriesThatOverlap_failFastNamingBoth() throws Exception {
    // Overlapping roots shared one watch of the inner directory: its files were remembered
    // twice and matched against either root's patterns.
    Path outer = Files.createDirectories(dir.resolve("outer"));
    Path inner = Files.createDirectories(outer.resolve("inner"));
    Path apart = Files.createDirectories(dir.resolve("apart"));
    Path alias = Files.createSymbolicLink(dir.resolve("alias"), inner);
    for (List<Path> pair : List.of(List.of(outer, inner), List.of(inner, outer),
        List.of(outer, outer), List.of(outer, alias), List.of(alias, dir.resolve("outer/./")))) {
      FileWatcher.Builder b = FileWatcher.builder(bus).watch(pair.get(0));
      assertThatThrownBy(() -> b.watch(pair.get(1))).as("%s", pair)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cannot watch " + pair.get(1))
          .hasMessageContaining("overlaps " + pair.get(0));
    }
    Path similar = Files.createDirectories(dir.resolve("outer-2"));
    assertThat(FileWatcher.builder(bus).watch(outer).watch(apart).watch(similar).build())
        .as("apart, and a name that only begins like another").isNotNull();
    // As start() will register them: "elsewhere/.." through a link is lexically the link's
    // directory, whatever the link's target.
    Path elsewhere = Files.createDirectories(dir.resolve("far/away"));
    Path hop = Files.createSymbolicLink(apart.resolve("hop"), elsewhere);
    FileWatcher.Builder lexical = FileWatcher.builder(bus).watch(hop.resolve(".."));
    assertThatThrownBy(() -> lexical.watch(apart)).isInstanceOf(IllegalArgumentException.class);
    // What start() watches is the path normalized, then resolved: w/l/.. is w whatever l
    // points to, and so overlaps a link to w's subdirectory. A link inside w to a directory
    // elsewhere is refused too: the watcher's own bookkeeping goes by names, and a rescan of w
    // would take the other root for a subdirectory gone.
    Path w = Files.createDirectories(dir.resolve("w/sub"));
    Path l = Files.createSymbolicLink(w.getParent().resolve("l"), elsewhere);
    Path w2 = Files.createSymbolicLink(dir.resolve("w2"), w);
    FileWatcher.Builder throughDots = FileWatcher.builder(bus).watch(l.resolve(".."));
    assertThatThrownBy(() -> throughDots.watch(w2)).isInstanceOf(IllegalArgumentException.class);
    Path shared = Files.createSymbolicLink(w.getParent().resolve("shared"), similar);
    FileWatcher.Builder byName = FileWatcher.builder(bus).watch(w.getParent());
    assertThatThrownBy(() -> byName.watch(shared)).isInstanceOf(IllegalArgumentException.class);
    // A directory added and deleted since does not stand in the way of the next one.
    Path gone = Files.createDirectories(dir.resolve("gone"));
    FileWatcher.Builder afterDeletion = FileWatcher.builder(bus).watch(gone);
    Files.delete(gone);
    assertThat(afterDeletion.watch(similar)).isSameAs(afterDeletion);
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

  /**
   * A watcher started on a directory another program is emptying: a file or directory deleted
   * between being listed and being read or watched is skipped, not a reason for start to fail.
   */
  @Test
  void start_whileTheTreeIsBeingDeleted_succeeds_andReportsOnlyDeletions() throws Exception {
    Path tree = Files.createDirectory(dir.resolve("vanishing"));
    List<Path> files = new java.util.ArrayList<>();
    for (int d = 0; d < 20; d++) {
      Path sub = Files.createDirectory(tree.resolve("d" + d));
      for (int f = 0; f < 100; f++) {
        files.add(Files.writeString(sub.resolve("f" + f + ".txt"), "content " + d + "/" + f));
      }
    }
    java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(2);
    Thread deleter = new Thread(() -> {
      io.github.eventbus.TestThreads.awaitBarrier(go);
      try (var walk = Files.walk(tree)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          if (!p.equals(tree)) {
            Files.delete(p);
          }
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "tree-deleter");
    deleter.start();
    io.github.eventbus.TestThreads.awaitBarrier(go);

    start(FileWatcher.builder(bus).watch(tree)); // must not throw NoSuchFileException
    deleter.join();
    List<FileChange> seen = changesUntilSentinel(tree, "sentinel.txt");

    assertThat(seen).allSatisfy(c -> {
      assertThat(c.changeType()).isEqualTo(ChangeType.DELETED);
      assertThat(files).contains(Path.of(c.filePath()));
    });
    assertThat(seen).extracting(FileChange::filePath).doesNotHaveDuplicates();
  }

  @Test
  void burstOfWrites_isOneEvent_andIdenticalRewriteIsSuppressed() throws Exception {
    // The quiet time (a second) is long enough that a slow machine pausing mid-burst still sees
    // one burst.
    start(FileWatcher.builder(bus).watch(dir));
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
  void aNameNotValidInTheFileNameEncoding_isNotReportedAsAnotherFile() throws Exception {
    assumeThat(System.getProperty("os.name")).startsWith("Linux");
    assumeThat(System.getProperty("sun.jnu.encoding")).isEqualTo("UTF-8");
    start(FileWatcher.builder(bus).watch(dir));

    // Byte 0xFF is never UTF-8: Java reads the name as "a\uFFFDb.txt", which names another file.
    Process touch = new ProcessBuilder("sh", "-c", "printf x > \"$(printf 'a\\377b.txt')\"")
        .directory(dir.toFile()).redirectErrorStream(true).start();
    assertThat(touch.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(touch.exitValue()).isZero();
    Files.writeString(dir.resolve("after.txt"), "two");

    assertThat(changesUntilSentinel("s1")).extracting(c -> Path.of(c.filePath()).getFileName()
        .toString()).containsExactly("after.txt");
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

  /** A watched tree and a directory outside it, on the same file system. */
  private Path tree;
  private Path outside;

  private void startTree(ChecksumAlgorithm checksum, String... existing) throws Exception {
    tree = Files.createDirectories(dir.resolve("tree"));
    outside = Files.createDirectories(dir.resolve("outside"));
    for (String name : existing) {
      Files.createDirectories(tree.resolve(name).getParent());
      Files.writeString(tree.resolve(name), "old " + name);
    }
    start(FileWatcher.builder(bus).watch(tree).exclude("*.tmp").checksum(checksum));
  }

  private static String describe(FileChange change) {
    return change.changeType().json() + " " + Path.of(change.filePath()).getFileName();
  }

  @ParameterizedTest(name = "checksum {0}")
  @EnumSource(ChecksumAlgorithm.class)
  void renameOverAnExistingFile_isModified_whetherItExistedAtStartOrWasCreatedSince(
      ChecksumAlgorithm checksum) throws Exception {
    startTree(checksum, "existing.txt");
    Path existing = tree.resolve("existing.txt");
    Path later = tree.resolve("later.txt");
    Files.writeString(later, "first");
    assertThat(changesUntilSentinel(tree, "s1")).extracting(FileWatcherTest::describe)
        .containsExactly("created later.txt");

    // How editors save: a temporary file beside the target, moved over it in one step.
    Path temporary = Files.writeString(tree.resolve("existing.txt.tmp"), "new content");
    Files.move(temporary, existing, StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    // A temporary file outside the tree, moved over a file created while watching.
    Path elsewhere = Files.writeString(outside.resolve("later.txt"), "second version");
    Files.move(elsewhere, later, StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);

    List<FileChange> changes = changesUntilSentinel(tree, "s2");
    assertThat(changes).extracting(FileWatcherTest::describe)
        .containsExactly("modified existing.txt", "modified later.txt");
    assertThat(changes.get(0).size()).isEqualTo("new content".length());
    assertThat(changes.get(1).size()).isEqualTo("second version".length());
  }

  @Test
  void renameIntoTheTree_isCreated_withSizeAndChecksum() throws Exception {
    startTree(ChecksumAlgorithm.SHA256);
    Path arriving = Files.writeString(outside.resolve("arrived.txt"), "hello");

    Files.move(arriving, tree.resolve("arrived.txt"), StandardCopyOption.ATOMIC_MOVE);

    assertThat(changesUntilSentinel(tree, "s1")).singleElement().satisfies(c -> {
      assertThat(describe(c)).isEqualTo("created arrived.txt");
      assertThat(c.size()).isEqualTo(5);
      assertThat(c.checksum()).isEqualTo(
          "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    });
  }

  @Test
  void renameOutOfTheTree_isDeleted_andWithinIt_isDeletedThenCreated() throws Exception {
    startTree(ChecksumAlgorithm.SHA256, "leaving.txt", "old-name.txt");

    Files.move(tree.resolve("leaving.txt"), outside.resolve("leaving.txt"),
        StandardCopyOption.ATOMIC_MOVE);
    Files.move(tree.resolve("old-name.txt"), tree.resolve("new-name.txt"),
        StandardCopyOption.ATOMIC_MOVE);

    assertThat(changesUntilSentinel(tree, "s1")).extracting(FileWatcherTest::describe)
        .containsExactlyInAnyOrder("deleted leaving.txt", "deleted old-name.txt",
            "created new-name.txt");
  }

  @Test
  void directoryMovedOutOfTheTree_everyFileBelowItIsDeleted_notTheDirectoryItself()
      throws Exception {
    startTree(ChecksumAlgorithm.SHA256, "sub/a.txt", "sub/deeper/b.txt");

    Files.move(tree.resolve("sub"), outside.resolve("sub"), StandardCopyOption.ATOMIC_MOVE);

    assertThat(changesUntilSentinel(tree, "s1")).extracting(c -> tree.relativize(
            Path.of(c.filePath())).toString() + " " + c.changeType().json())
        .containsExactlyInAnyOrder("sub/a.txt deleted", "sub/deeper/b.txt deleted");
  }

  @Test
  void directoryMovedIntoTheTree_everyFileInItIsCreated() throws Exception {
    startTree(ChecksumAlgorithm.SHA256);
    Path incoming = Files.createDirectories(outside.resolve("incoming/nested"));
    Files.writeString(incoming.resolve("c.txt"), "c");

    Files.move(outside.resolve("incoming"), tree.resolve("incoming"),
        StandardCopyOption.ATOMIC_MOVE);

    // The nested file is reported by the registration of the moved directory, from the root
    // directory's own event, so the sentinel in the root comes after it.
    assertThat(changesUntilSentinel(tree, "s1")).extracting(c -> tree.relativize(
            Path.of(c.filePath())).toString() + " " + c.changeType().json())
        .containsExactly("incoming/nested/c.txt created");
  }
}
