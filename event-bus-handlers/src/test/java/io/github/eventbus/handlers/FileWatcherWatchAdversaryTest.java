package io.github.eventbus.handlers;

import static io.github.eventbus.handlers.ProbeSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.eventbus.EventBus;
import io.github.eventbus.internal.RateLimitedLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * Adversarial probes of the file watcher's promises (its Javadoc, the handlers' package-info
 * and the README): symlinks swapped for files and directories, a root that is a symlink, file
 * names no JSON or log line should choke on, start and close racing, close while the watcher
 * thread is held by a subscriber, and extreme debounce times.
 */
class FileWatcherWatchAdversaryTest extends HandlersProbes {

  static IntStream seeds() {
    return IntStream.rangeClosed(1, 3);
  }

  /** The watcher thread of a given watcher name, if alive. */
  private static boolean watcherThreadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("file-watcher-" + name) && t.isAlive());
  }

  // FOUND: FileWatcher.start() line 148 puts fileKey(root) into a ConcurrentHashMap; fileKey
  // reads the attributes with NOFOLLOW_LINKS, so for a root that is a symlink to a directory it
  // returns null and put(...) throws NullPointerException. The builder accepted the root
  // (Files.isDirectory follows links), and start() documents only UncheckedIOException and
  // IllegalStateException. The watch service opened by start() is left open.
  /** Adds a change to the types seen per path, in the order they came. */
  private static void addByPath(Map<String, List<ChangeType>> byPath, FileChange c) {
    byPath.computeIfAbsent(c.filePath(), k -> new ArrayList<>()).add(c.changeType());
  }

  @Test
  void rootThatIsASymlink_startsAndReportsFilesCreatedThroughIt() throws Exception {
    Path real = Files.createDirectory(tmp.resolve("real"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    EventBus bus = inlineBus();
    FileWatcher watcher = watch(bus, link, "symlink-root");

    watcher.start();
    Path file = Files.writeString(link.resolve("a.txt"), "a");

    FileChange change = awaitChangeOf(file, 20);
    assertThat(change).as("a file created below a symlinked root").isNotNull();
    assertThat(change.changeType()).isEqualTo(ChangeType.CREATED);
  }

  // FOUND: a known file replaced (rename over it) by a symlink to a directory is never reported
  // deleted: the only event is ENTRY_CREATE of the path, and FileWatcher.process() line 340
  // (Files.isDirectory(path), which follows links) skips it. The path stays "known" as a file.
  // Javadoc: "Only regular files are reported ... a known file replaced by one is deleted".
  @Test
  void knownFileReplacedByASymlinkToADirectory_isReportedDeleted() throws Exception {
    assertKnownFileReplacedByALinkIsDeleted(Files.createDirectory(tmp.resolve("elsewhere")));
  }

  // FOUND: a known file replaced (rename over it) by a dangling symlink is never reported
  // deleted: ENTRY_CREATE of the path is noted as a creation, merged into MODIFIED (the file is
  // known), and DebouncedChanges.publish (line 193-194) drops it on the IOException of reading a
  // link to nothing, assuming a deletion event will follow; none does. The path stays known.
  @Test
  void knownFileReplacedByADanglingSymlink_isReportedDeleted() throws Exception {
    assertKnownFileReplacedByALinkIsDeleted(tmp.resolve("nothing-here"));
  }

  /**
   * Watches a root holding a known file, renames a symbolic link to {@code target} (made outside
   * the tree) over that file, and asserts that the file is reported deleted before a sentinel.
   */
  private void assertKnownFileReplacedByALinkIsDeleted(Path target) throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    Path file = Files.writeString(root.resolve("f"), "a file");
    Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
    FileWatcher watcher = watch(inlineBus(), root, "link-over-file");
    watcher.start();

    Files.move(link, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    List<FileChange> before = Sentinels.changesUntilSentinel(changes, root, "zz-sentinel");
    assertThat(before).extracting(FileChange::filePath, FileChange::changeType)
        .contains(tuple(file.toString(), ChangeType.DELETED));
  }

  /** A symlink swapped back and forth between a file and a directory target, atomically. */
  @Test
  void symlinkSwappedFromAFileToADirectory_isReportedDeleted() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    Path targetFile = Files.writeString(tmp.resolve("target.txt"), "target");
    Path targetDir = Files.createDirectory(tmp.resolve("target-dir"));
    EventBus bus = inlineBus();
    FileWatcher watcher = watch(bus, root, "symlink-flip");
    watcher.start();
    Path link = root.resolve("current");
    Files.createSymbolicLink(link, targetFile);
    assertThat(awaitChangeOf(link, 20)).as("the link to a file, reported as a file")
        .extracting(FileChange::changeType).isEqualTo(ChangeType.CREATED);

    Path next = Files.createSymbolicLink(tmp.resolve("next"), targetDir);
    Files.move(next, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    List<FileChange> before = Sentinels.changesUntilSentinel(changes, root, "zz-sentinel");
    assertThat(before).extracting(FileChange::filePath, FileChange::changeType)
        .contains(tuple(link.toString(), ChangeType.DELETED));
  }

  /** An inline bus whose subscriber holds the watcher thread on {@code first.txt}. */
  private final class HeldWatcher {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final FileWatcher watcher;
    final Path root;

    HeldWatcher(Path root, String name) {
      this.root = root;
      EventBus bus = inlineBus();
      bus.subscribe(FileChange.class, c -> {
        if (Path.of(c.filePath()).getFileName().toString().startsWith("first")
            && entered.getCount() > 0) {
          entered.countDown();
          release.await(30, TimeUnit.SECONDS);
          return;
        }
        changes.add(c);
      });
      watcher = closing(FileWatcher.builder(bus).watch(root).name(name)
          .debounce(Duration.ofMillis(50)).build());
    }

    void hold() throws Exception {
      watcher.start();
      Files.writeString(root.resolve("first.txt"), "first");
      assertThat(entered.await(20, TimeUnit.SECONDS)).as("watcher thread held").isTrue();
    }
  }

  @Test
  void knownFileReplacedByADirectoryWhileTheWatcherIsBusy_isReportedDeleted() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    Path file = Files.writeString(root.resolve("f"), "a file");
    HeldWatcher held = new HeldWatcher(root, "file-to-dir");
    held.hold();

    Files.delete(file);
    Files.createDirectory(file);
    Path inside = Files.writeString(file.resolve("x.txt"), "x");
    held.release.countDown();

    List<FileChange> before = Sentinels.changesUntilSentinel(changes, root, "zz-sentinel");
    assertThat(before).extracting(FileChange::filePath, FileChange::changeType)
        .contains(tuple(file.toString(), ChangeType.DELETED),
            tuple(inside.toString(), ChangeType.CREATED));
  }

  @Test
  void directoryReplacedByAFileWhileTheWatcherIsBusy_filesBelowDeleted_fileCreated()
      throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    Path directory = Files.createDirectory(root.resolve("d"));
    Path inside = Files.writeString(directory.resolve("x.txt"), "x");
    HeldWatcher held = new HeldWatcher(root, "dir-to-file");
    held.hold();

    Files.delete(inside);
    Files.delete(directory);
    Files.writeString(directory, "now a file");
    held.release.countDown();

    List<FileChange> before = Sentinels.changesUntilSentinel(changes, root, "zz-sentinel");
    Map<String, List<ChangeType>> byPath = new HashMap<>();
    before.forEach(c -> addByPath(byPath, c));
    assertThat(byPath.get(inside.toString())).containsExactly(ChangeType.DELETED);
    assertThat(byPath.get(directory.toString())).containsExactly(ChangeType.CREATED);
  }

  /**
   * While the watcher is held and the root's event list overflows (600 new files, more than the
   * JDK keeps per key), a known file becomes a directory with a file in it and a watched
   * directory becomes a file: the rescan must tell each swap. (A rescan notes everything it finds
   * at one instant, so a sentinel does not order these changes: the probe waits for them.)
   */
  @Test
  void fileAndDirectorySwappedWhileTheRootOverflows_rescanReportsEachSwap() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    Path file = Files.writeString(root.resolve("f"), "a file");
    Path directory = Files.createDirectory(root.resolve("d"));
    Path below = Files.writeString(directory.resolve("x.txt"), "x");
    HeldWatcher held = new HeldWatcher(root, "overflow-swap");
    held.hold();

    Files.delete(file);
    Files.createDirectory(file);
    Path inside = Files.writeString(file.resolve("y.txt"), "y");
    Files.delete(below);
    Files.delete(directory);
    Files.writeString(directory, "now a file");
    List<String> burst = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      burst.add(Files.writeString(root.resolve("n" + i + ".txt"), "n").toString());
    }
    held.release.countDown();

    Map<String, List<ChangeType>> byPath = new HashMap<>();
    List<String> expected = new ArrayList<>(burst);
    expected.addAll(List.of(file.toString(), inside.toString(), directory.toString(),
        below.toString()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!byPath.keySet().containsAll(expected) && System.nanoTime() < deadline) {
      FileChange c = changes.poll(1, TimeUnit.SECONDS);
      if (c != null) {
        addByPath(byPath, c);
      }
    }
    assertThat(byPath.get(file.toString())).as("file become a directory")
        .containsExactly(ChangeType.DELETED);
    assertThat(byPath.get(inside.toString())).containsExactly(ChangeType.CREATED);
    assertThat(byPath.get(directory.toString())).as("directory become a file")
        .containsExactly(ChangeType.CREATED);
    assertThat(byPath.get(below.toString())).containsExactly(ChangeType.DELETED);
    assertThat(burst).allSatisfy(p -> assertThat(byPath.get(p)).as(p)
        .containsExactly(ChangeType.CREATED));
  }

  @Test
  void oddFileNames_arePublishedExactly_andLoggedAsOneValidJsonLineEach() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    EventBus bus = inlineBus();
    FileChangeHandler handler = closing(FileChangeHandler.builder()
        .logRoot(tmp.resolve("logs")).clock(clock).build());
    handler.register(bus);
    FileWatcher watcher = watch(bus, root, "odd-names");
    watcher.start();
    List<String> names = List.of("new\nline.txt", "cr\rreturn.txt", "quote\"'\\back.txt",
        "\u202Egpj.txt", "zero\u200Bwidth\u2028sep.txt", "tab\tand {brace} [x].txt",
        "\u00e9\u0301\uD83D\uDE00.txt", "\u0007bell\u001b[31m.txt");
    List<String> paths = new ArrayList<>();
    for (String n : names) {
      paths.add(Files.writeString(root.resolve(n), n, StandardCharsets.UTF_8).toString());
    }

    List<FileChange> before = Sentinels.changesUntilSentinel(changes, root, "zz-sentinel");
    assertThat(before).extracting(FileChange::filePath).containsExactlyInAnyOrderElementsOf(paths);
    assertThat(before).extracting(FileChange::changeType).containsOnly(ChangeType.CREATED);
    handler.flushLog();
    List<String> raw = Files.readAllLines(handler.logFile(), StandardCharsets.UTF_8);
    assertThat(raw).hasSize(names.size() + 1); // and the sentinel
    List<JsonNode> lines = LogLines.read(handler.logFile());
    for (String p : paths) {
      assertThat(lines).as(p).anySatisfy(l -> {
        assertThat(l.path("data").path("file_path").asText()).isEqualTo(p);
        assertThat(l.path("action").asText()).isEqualTo("created");
        assertThat(l.path("exists").asBoolean()).isTrue();
      });
    }
  }

  /**
   * The same few paths created, rewritten, deleted, renamed over and renamed away thousands of
   * times with a tiny debounce, so publishing interleaves with the churn. Every published
   * sequence must be one the disk could have gone through, and the last state must be the
   * disk's.
   */
  // FOUND (seed 2 of 3 failed in a first run, all 3 in a second; it needs the OS to split a
  // path's events across two polls): a DELETED for a path reported absent (a lone deletion), and
  // a MODIFIED for a path reported absent (never created, or deleted last). Likely cause: an
  // ENTRY_MODIFY of a path that is not known and has nothing pending (its pending CREATED was
  // dropped because the file was gone when it was published, DebouncedChanges.java:193-194)
  // becomes a pending MODIFIED: FileWatcher.java:343-356 only skip an untracked ENTRY_DELETE,
  // and DebouncedChanges.java:122-124 keep MODIFIED for an unknown path. A following
  // ENTRY_DELETE merges it into DELETED (DebouncedChanges.java:129); a file there again at
  // publication is published MODIFIED. The two stale* probes below show each half
  // deterministically.
  @ParameterizedTest
  @MethodSource("seeds")
  void churnOnTheSamePaths_reportsAPossibleHistory_endingInTheDisksState(int seed)
      throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    List<Path> paths = List.of(root.resolve("a.txt"), root.resolve("b.txt"),
        root.resolve("c.txt"));
    Files.writeString(paths.get(0), "at start");
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, changes::add);
    FileWatcher watcher = closing(FileWatcher.builder(bus).watch(root).name("churn-" + seed)
        .debounce(Duration.ofMillis(2)).checksum(ChecksumAlgorithm.NONE).exclude("*.tmp")
        .build());
    watcher.start();
    Random random = new Random(seed);
    Path temp = root.resolve("t.tmp");
    for (int i = 0; i < 3000; i++) {
      Path p = paths.get(random.nextInt(paths.size()));
      switch (random.nextInt(5)) {
        case 0, 1 -> Files.writeString(p, "w" + i);
        case 2 -> Files.deleteIfExists(p);
        case 3 -> {
          Files.writeString(temp, "t" + i);
          Files.move(temp, p, StandardCopyOption.REPLACE_EXISTING,
              StandardCopyOption.ATOMIC_MOVE);
        }
        default -> {
          Path other = paths.get(random.nextInt(paths.size()));
          if (Files.exists(p) && !other.equals(p)) {
            Files.move(p, other, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
          }
        }
      }
    }
    Files.deleteIfExists(temp);

    List<FileChange> before = Sentinels.changesUntilSentinel(changes, root, "zz-sentinel");
    Map<String, Boolean> present = new HashMap<>();
    present.put(paths.get(0).toString(), true);
    for (FileChange c : before) {
      boolean was = present.getOrDefault(c.filePath(), false);
      switch (c.changeType()) {
        case CREATED -> assertThat(was).as("created while reported present: " + c).isFalse();
        case MODIFIED, DELETED -> assertThat(was).as("reported absent, then " + c).isTrue();
      }
      present.put(c.filePath(), c.changeType() != ChangeType.DELETED);
    }
    for (Path p : paths) {
      assertThat(present.getOrDefault(p.toString(), false)).as("last reported state of " + p)
          .isEqualTo(Files.exists(p));
    }
    assertThat(present).doesNotContainKey(temp.toString());
    assertThat(Files.exists(temp)).isFalse();
  }

  /** The watcher's debouncing part alone, with no quiet time, publishing into {@code changes}. */
  private DebouncedChanges debouncedIntoChanges() {
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, changes::add);
    return new DebouncedChanges(bus, "stale", List.of(), List.of(), Duration.ZERO,
        ChecksumAlgorithm.SHA256, new RateLimitedLog(LoggerFactory.getLogger(FileWatcher.class),
            clock, RateLimitedLog.INTERVAL));
  }

  /**
   * What the watcher tells its changes when the OS reports a file modified that is already gone
   * and was never published (its creation was dropped as the file had vanished), then deleted.
   */
  @Test
  void staleModifyThenDelete_ofAPathNeverKnown_publishesNothing() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    DebouncedChanges debounced = debouncedIntoChanges();
    Path gone = root.resolve("gone.txt"); // never existed as far as anyone was told

    debounced.note(gone, root, ChangeType.MODIFIED, 0);
    debounced.note(gone, root, ChangeType.DELETED, 1);
    debounced.publishDue(2);

    assertThat(changes).as("published for a path never reported created").isEmpty();
  }

  @Test
  void staleModify_ofAFileNeverKnown_isPublishedAsCreated() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    DebouncedChanges debounced = debouncedIntoChanges();
    Path file = Files.writeString(root.resolve("back.txt"), "back");

    debounced.note(file, root, ChangeType.MODIFIED, 0);
    debounced.publishDue(1);

    assertThat(changes).extracting(FileChange::changeType).containsExactly(ChangeType.CREATED);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void startAndCloseRacing_neverLeaveAThreadRunning(int seed) throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    EventBus bus = inlineBus();
    Random random = new Random(seed);
    for (int i = 0; i < 200; i++) {
      String name = "race-" + seed + "-" + i;
      FileWatcher watcher = FileWatcher.builder(bus).watch(root).name(name).build();
      CyclicBarrier barrier = new CyclicBarrier(2);
      boolean startYields = random.nextBoolean();
      Future<?> starting = side.submit(() -> {
        barrier.await(20, TimeUnit.SECONDS);
        if (startYields) {
          Thread.yield();
        }
        try {
          watcher.start();
        } catch (IllegalStateException closedFirst) {
          // documented: closed before start
        }
        return null;
      });
      Future<?> closing = side.submit(() -> {
        barrier.await(20, TimeUnit.SECONDS);
        watcher.close();
        return null;
      });
      starting.get(20, TimeUnit.SECONDS);
      closing.get(20, TimeUnit.SECONDS);
      assertThat(watcherThreadAlive(name)).as(name + " alive after close() returned").isFalse();
      assertThatThrownBy(watcher::start).isInstanceOf(IllegalStateException.class);
    }
  }

  // FOUND: close() joins the watcher thread for at most 10 s (FileWatcher.java:172) and does not
  // interrupt it; a subscriber holding the thread longer makes close() return with the thread
  // still running, and the changes already due are published after close() returned.
  @Test
  void close_whileASubscriberHoldsTheWatcherThread_stopsIt_andNothingIsPublishedAfter()
      throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    Path incoming = Files.createDirectory(tmp.resolve("incoming"));
    Files.writeString(incoming.resolve("first-a.txt"), "a");
    Files.writeString(incoming.resolve("first-b.txt"), "b");
    HeldWatcher held = new HeldWatcher(root, "held-close");
    held.watcher.start();
    // Moved in at once: both files are noted together and due in the same round, so one is
    // still to be published when the subscriber holding the thread on the other is released.
    Files.move(incoming, root.resolve("incoming"), StandardCopyOption.ATOMIC_MOVE);
    assertThat(held.entered.await(20, TimeUnit.SECONDS)).as("watcher thread held").isTrue();

    Future<?> closing = side.submit(() -> {
      held.watcher.close();
      return null;
    });
    closing.get(20, TimeUnit.SECONDS);
    boolean aliveAfterClose = watcherThreadAlive("held-close");
    held.release.countDown();
    FileChange late = changes.poll(2, TimeUnit.SECONDS);

    assertThat(aliveAfterClose).as("watcher thread alive after close() returned").isFalse();
    assertThat(late).as("a change published after close() returned").isNull();
  }

  // FOUND: close() called by a subscriber running on the watcher thread joins that same thread
  // (FileWatcher.java:172), so it blocks the watcher for the full 10 s join timeout.
  @Test
  void close_fromASubscriberOnTheWatcherThread_returnsWithoutWaitingForItself()
      throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    EventBus bus = inlineBus();
    FileWatcher[] watcher = new FileWatcher[1];
    CountDownLatch closed = new CountDownLatch(1);
    bus.subscribe(FileChange.class, c -> {
      watcher[0].close();
      closed.countDown();
    });
    watcher[0] = closing(FileWatcher.builder(bus).watch(root).name("self-close")
        .debounce(Duration.ofMillis(10)).build());
    watcher[0].start();
    Files.writeString(root.resolve("stop.txt"), "stop");

    // Liveness, not speed: a self-join is bounded only by close()'s 10 s join timeout.
    assertThat(closed.await(5, TimeUnit.SECONDS)).as("close() from the watcher thread returned")
        .isTrue();
  }

  /** How many inotify instances this process holds open (Linux). */
  private static long openInotifyInstances() throws Exception {
    long n = 0;
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          if (Files.readSymbolicLink(fd).toString().contains("inotify")) {
            n++;
          }
        } catch (java.io.IOException closedMeanwhile) {
          // the listing's own descriptor, or one closed since
        }
      }
    }
    return n;
  }

  // FOUND: start() opens a watch service (FileWatcher.java:144) and, when registering a root
  // fails, throws without closing it; a second start() opens another one over it
  // (service is overwritten), so close() closes only the last and the first leaks an inotify
  // instance (the kernel allows 128 per user by default).
  @Test
  void startFailing_thenStartingAgain_thenClose_leavesNoWatchServiceOpen() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    FileWatcher watcher = FileWatcher.builder(inlineBus()).watch(root).name("retry").build();
    long before = openInotifyInstances();
    Files.delete(root);

    assertThatThrownBy(watcher::start).isInstanceOf(java.io.UncheckedIOException.class);
    Files.createDirectory(root);
    watcher.start();
    watcher.close();

    assertThat(openInotifyInstances()).as("inotify instances open after close()")
        .isEqualTo(before);
  }

  // FOUND: the watcher's name defaults to its first root's file name (FileWatcher.java:112) and
  // goes into WARN lines unescaped (FileWatcher.java:391 lostRoot, also :219 and :256), while
  // the root's path beside it is escaped; a directory named with a newline forges a log line.
  @Test
  void rootNamedToForgeALogLine_lostRootWarningIsEscaped() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("r\nWARN forged line \u202Eevil"));
    FileWatcher watcher = closing(FileWatcher.builder(inlineBus()).watch(root).build());
    try (ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      watcher.start();
      Files.delete(root);

      assertThat(await(() -> !log.warnings().isEmpty(), 20_000)).as("the lost-root WARN").isTrue();
      assertThat(log.warnings()).allSatisfy(w -> assertThat(w).doesNotContain("\n", "\u202E"));
    }
  }

  @Test
  void busClosedUnderTheWatcher_watcherKeepsRunning_andClosesPromptly() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    EventBus bus = inlineBus();
    FileWatcher watcher = watch(bus, root, "bus-closed");
    watcher.start();
    Path first = Files.writeString(root.resolve("first.txt"), "1");
    assertThat(awaitChangeOf(first, 20)).isNotNull();

    try (ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      bus.close();
      for (int i = 0; i < 50; i++) {
        Files.writeString(root.resolve("after-" + i + ".txt"), "x");
      }
      assertThat(await(() -> !log.warnings().isEmpty(), 20_000)).as("a WARN").isTrue();
      assertThat(watcherThreadAlive("bus-closed")).isTrue();
      watcher.close();
      assertThat(watcherThreadAlive("bus-closed")).isFalse();
      // One line for the refused changes; maybe one more for those still settling at close.
      assertThat(log.warnings()).filteredOn(w -> !w.contains("closed with")).hasSize(1);
      assertThat(log.warnings()).hasSizeLessThanOrEqualTo(2)
          .allSatisfy(w -> assertThat(w).contains("bus-closed"));
    }
  }

  @Test
  void debounceZero_everyChangeIsReported_lastStateMatchesTheDisk() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, changes::add);
    FileWatcher watcher = closing(FileWatcher.builder(bus).watch(root).name("zero")
        .debounce(Duration.ZERO).build());
    watcher.start();
    Path kept = root.resolve("kept.txt");
    Path gone = root.resolve("gone.txt");
    for (int i = 0; i < 200; i++) {
      Files.writeString(kept, "v" + i);
      Files.writeString(gone, "v" + i);
      Files.delete(gone);
    }

    List<FileChange> before = Sentinels.changesUntilSentinel(changes, root, "zz-sentinel");
    List<FileChange> ofKept = before.stream().filter(c -> c.filePath().equals(kept.toString()))
        .toList();
    assertThat(ofKept).isNotEmpty();
    assertThat(ofKept.get(0).changeType()).isEqualTo(ChangeType.CREATED);
    assertThat(ofKept.subList(1, ofKept.size())).extracting(FileChange::changeType)
        .containsOnly(ChangeType.MODIFIED);
    List<FileChange> ofGone = before.stream().filter(c -> c.filePath().equals(gone.toString()))
        .toList();
    if (!ofGone.isEmpty()) {
      assertThat(ofGone.get(ofGone.size() - 1).changeType()).isEqualTo(ChangeType.DELETED);
    }
  }

  @Test
  void debounceHuge_nothingIsPublished_andCloseIsPrompt() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, changes::add);
    FileWatcher watcher = FileWatcher.builder(bus).watch(root).name("huge")
        .debounce(Duration.ofSeconds(Long.MAX_VALUE)).build();
    watcher.start();
    Files.writeString(root.resolve("a.txt"), "a");
    // The watcher notes the change (its thread then waits for the huge quiet time); close must
    // not wait for it.
    assertThat(changes.poll(1, TimeUnit.SECONDS)).isNull();
    watcher.close();
    assertThat(watcherThreadAlive("huge")).isFalse();
  }

  @Test
  void oddGlobs_selectByNameOrRelativePath_andMalformedOnesFailFast() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    Files.createDirectories(root.resolve("sub/deep"));
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, changes::add);
    FileWatcher watcher = closing(FileWatcher.builder(bus).watch(root).name("globs")
        .include("{*.md,sub/*.txt,zz-*}").include("[!x]?.csv").exclude("**/deep/**")
        .exclude("*\\**").debounce(HandlersProbes.QUIET).build());
    watcher.start();
    List<String> wanted = new ArrayList<>();
    for (String n : List.of("a.md", "sub/b.txt", "sub/deep/c.md", "ab.csv", "xb.csv", "c.txt",
        "sub/st*r.md", "sub/deep/d.txt", "sub/e.md")) {
      Path p = Files.writeString(root.resolve(n), n);
      if (List.of("a.md", "sub/b.txt", "ab.csv", "sub/e.md").contains(n)) {
        wanted.add(p.toString());
      }
    }
    // Every file is written before the sentinels, one per directory whose files may be
    // reported (sub/deep is excluded whole, its sentinel too).
    List<FileChange> seen = new ArrayList<>(
        Sentinels.changesUntilSentinel(changes, root.resolve("sub"), "zz-sub"));
    seen.addAll(Sentinels.changesUntilSentinel(changes, root, "zz-root"));
    assertThat(seen).extracting(FileChange::filePath)
        .filteredOn(p -> !p.contains("zz-")).containsExactlyInAnyOrderElementsOf(wanted);
    assertThatThrownBy(() -> FileWatcher.builder(bus).include("{unclosed"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FileWatcher.builder(bus).exclude("[a-"))
        .isInstanceOf(IllegalArgumentException.class);
    try (Stream<Path> s = Files.list(root)) {
      assertThat(s.count()).isPositive();
    }
  }
}
