package io.github.eventbus.handlers;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.github.eventbus.EventBus;
import io.github.eventbus.internal.RateLimitedLog;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The watched tree when the OS refuses to watch a directory (its limit of watches reached): a
 * new directory's other entries are still watched and reported, and the refusals are logged at
 * most once per interval; at start, the refusal fails start. And a root whose attributes cannot
 * be read for a while: it is still watched, and only a root that is really gone is dropped.
 */
class WatchedTreeTest extends HandlersProbes {

  private static final String REFUSED = "refused-";

  /** Watches like the OS, except that it refuses every directory named {@code refused-*}. */
  private static WatchedTree.Registrar refusing(WatchService service) {
    return directory -> {
      if (directory.getFileName().toString().startsWith(REFUSED)) {
        throw new IOException("User limit of inotify watches reached");
      }
      return directory.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
    };
  }

  private RateLimitedLog warnings() {
    return new RateLimitedLog(LoggerFactory.getLogger(FileWatcher.class), clock,
        RateLimitedLog.INTERVAL);
  }

  private static DebouncedChanges changes(EventBus bus, String name, RateLimitedLog warnings) {
    return new DebouncedChanges(bus, name, List.of(), List.of(), Duration.ZERO,
        ChecksumAlgorithm.SHA256, warnings);
  }

  @Test
  void newDirectoryWithSubdirectoriesTheOsRefuses_theRestIsStillReported_andWarnedOnce()
      throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    EventBus bus = inlineBus();
    List<FileChange> published = new ArrayList<>();
    bus.subscribe(FileChange.class, published::add);
    DebouncedChanges changes = changes(bus, "limits", warnings());
    try (WatchService service = FileSystems.getDefault().newWatchService();
        ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      WatchedTree tree = new WatchedTree(refusing(service), WatchedTreeTest::readRoot, changes,
          "limits", warnings());
      tree.addRoot(root);

      // Built aside, then moved in whole: every entry is there when the tree lists it.
      Path staged = Files.createDirectory(tmp.resolve("staged"));
      List<Path> expected = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        Files.createDirectory(staged.resolve(REFUSED + i));
        Files.writeString(staged.resolve(REFUSED + i).resolve("unseen.txt"), "x");
        expected.add(Files.writeString(staged.resolve("file-" + i + ".txt"), "x"));
        Path sub = Files.createDirectory(staged.resolve("sub-" + i));
        expected.add(Files.writeString(sub.resolve("inner.txt"), "x"));
      }
      Path moved = root.resolve("new");
      Files.move(staged, moved);

      WatchKey key = service.poll(20, TimeUnit.SECONDS);
      assertThat(key).isNotNull();
      tree.process(key);
      changes.publishDue(System.nanoTime());

      List<String> reported = published.stream().map(FileChange::filePath).sorted().toList();
      assertThat(reported).containsExactlyInAnyOrderElementsOf(expected.stream()
          .map(p -> moved.resolve(staged.relativize(p)).toString()).toList());
      assertThat(tree.knownDirectories()).contains(moved.resolve("sub-0"), moved.resolve("sub-4"))
          .doesNotContain(moved.resolve(REFUSED + "0"));
      assertThat(log.warnings()).as("five refusals, one line in the interval").singleElement()
          .asString().contains("cannot watch new directory", REFUSED, "inotify");
    }
  }

  @Test
  void atStart_aSubdirectoryTheOsRefuses_failsTheStart() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    Files.createDirectory(root.resolve(REFUSED + "0"));
    DebouncedChanges changes = changes(inlineBus(), "limits", warnings());
    try (WatchService service = FileSystems.getDefault().newWatchService()) {
      WatchedTree tree = new WatchedTree(refusing(service), WatchedTreeTest::readRoot, changes,
          "limits", warnings());
      assertThatThrownBy(() -> tree.addRoot(root)).isInstanceOf(IOException.class)
          .hasMessageContaining("inotify");
    }
  }

  private static BasicFileAttributes readRoot(Path root) throws IOException {
    return Files.readAttributes(root, BasicFileAttributes.class);
  }

  /** Reads a root as the OS does, except that it throws what {@code failing} holds, if set. */
  private static WatchedTree.RootReader failingWhileSet(AtomicReference<IOException> failing) {
    return r -> {
      IOException f = failing.get();
      if (f != null) {
        throw f;
      }
      return readRoot(r);
    };
  }

  @Test
  void checkRoots_rootWhoseAttributesCannotBeRead_staysWatched_untilItIsReallyGone()
      throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    EventBus bus = inlineBus();
    List<FileChange> published = new ArrayList<>();
    bus.subscribe(FileChange.class, published::add);
    RateLimitedLog warnings = warnings();
    DebouncedChanges changes = changes(bus, "roots", warnings);
    AtomicReference<IOException> failing = new AtomicReference<>();
    WatchedTree.RootReader flaky = failingWhileSet(failing);
    try (WatchService service = FileSystems.getDefault().newWatchService();
        ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      WatchedTree tree = new WatchedTree(refusing(service), flaky, changes, "roots", warnings);
      tree.addRoot(root);

      failing.set(new IOException("Input/output error"));
      tree.checkRoots(System.nanoTime());
      failing.set(new AccessDeniedException(root.toString()));
      tree.checkRoots(System.nanoTime());
      Path file = Files.writeString(root.resolve("a.txt"), "x");
      WatchKey key = service.poll(20, TimeUnit.SECONDS);
      assertThat(key).isNotNull();
      tree.process(key);
      changes.publishDue(System.nanoTime());
      assertThat(published).extracting(FileChange::filePath, FileChange::changeType)
          .containsExactly(tuple(file.toString(), ChangeType.CREATED));
      assertThat(log.warnings()).as("two failed checks, one line in the interval")
          .singleElement().asString()
          .contains("cannot check its root", "Input/output error", "goes on watching");

      failing.set(null);
      tree.checkRoots(System.nanoTime());
      Files.delete(file);
      Files.delete(root);
      tree.checkRoots(System.nanoTime());
      changes.publishDue(System.nanoTime());
      assertThat(published).extracting(FileChange::filePath, FileChange::changeType)
          .endsWith(tuple(file.toString(), ChangeType.DELETED));
      assertThat(log.warnings()).hasSize(2).last().asString().contains("lost its root");
    }
  }

  @Test
  void checkRoots_pathThatNoLongerLeadsToADirectory_isLostOnceTheGraceHasPassed()
      throws Exception {
    Path parent = Files.createDirectory(tmp.resolve("parent"));
    Path root = Files.createDirectory(parent.resolve("root"));
    Path file = Files.writeString(root.resolve("a.txt"), "x");
    EventBus bus = inlineBus();
    List<FileChange> published = new ArrayList<>();
    bus.subscribe(FileChange.class, published::add);
    RateLimitedLog warnings = warnings();
    DebouncedChanges changes = changes(bus, "moved", warnings);
    try (WatchService service = FileSystems.getDefault().newWatchService();
        ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      WatchedTree tree = new WatchedTree(refusing(service), WatchedTreeTest::readRoot, changes,
          "moved", warnings);
      tree.addRoot(root);
      // Moved away with its parent (the root's own watch stays valid), and a file where the
      // parent was: the root's path now fails with "Not a directory", not "no such file".
      Files.move(parent, tmp.resolve("elsewhere"));
      Files.writeString(parent, "not a directory");
      assertThatThrownBy(() -> readRoot(root)).isInstanceOf(IOException.class)
          .isNotInstanceOf(java.nio.file.NoSuchFileException.class);

      long t0 = System.nanoTime();
      tree.checkRoots(t0);
      assertThat(log.warnings()).singleElement().asString().contains("cannot check its root");
      tree.checkRoots(t0 + WatchedTree.UNREADABLE_GRACE_NANOS);
      changes.publishDue(t0 + WatchedTree.UNREADABLE_GRACE_NANOS);
      assertThat(log.warnings()).hasSize(2).last().asString().contains("lost its root");
      assertThat(published).extracting(FileChange::filePath, FileChange::changeType)
          .containsExactly(tuple(file.toString(), ChangeType.DELETED));
    }
  }

  @Test
  void checkRoots_permissionDenied_staysWatchedPastTheGrace() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    RateLimitedLog warnings = warnings();
    DebouncedChanges changes = changes(inlineBus(), "denied", warnings);
    AtomicReference<IOException> failing = new AtomicReference<>();
    WatchedTree.RootReader denying = failingWhileSet(failing);
    try (WatchService service = FileSystems.getDefault().newWatchService();
        ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      WatchedTree tree = new WatchedTree(refusing(service), denying, changes, "denied", warnings);
      tree.addRoot(root);
      failing.set(new AccessDeniedException(root.toString()));
      long t0 = System.nanoTime();
      for (int i = 0; i <= 3; i++) {
        tree.checkRoots(t0 + i * WatchedTree.UNREADABLE_GRACE_NANOS);
      }
      failing.set(null);
      tree.checkRoots(t0 + 4 * WatchedTree.UNREADABLE_GRACE_NANOS);
      assertThat(tree.knownDirectories()).containsExactly(root);
      assertThat(log.warnings()).isNotEmpty()
          .allSatisfy(w -> assertThat(w).contains("cannot check its root"));
    }
  }
}
