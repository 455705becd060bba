package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import io.github.eventbus.TestThreads;
import io.github.eventbus.internal.RateLimitedLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What {@link DebouncedChanges} makes of the changes it is told, with real files. */
class DebouncedChangesTest {

  @TempDir Path dir;
  private final EventBus bus = EventBus.builder().name("debounced").build();
  private final BlockingQueue<Object> delivered = new LinkedBlockingQueue<>();

  @AfterEach
  void closeBus() {
    bus.close();
  }

  private DebouncedChanges changes() {
    bus.subscribe(Object.class, delivered::add);
    return new DebouncedChanges(bus, "test", List.of(), List.of(), Duration.ZERO,
        ChecksumAlgorithm.SHA256, new RateLimitedLog(LoggerFactory.getLogger(FileWatcher.class),
            Clock.systemUTC(), RateLimitedLog.INTERVAL));
  }

  @Test
  void stop_withChangesStillSettling_publishesNone_andCountsThemOnceReported() throws Exception {
    bus.subscribe(Object.class, delivered::add);
    long hour = TimeUnit.HOURS.toNanos(1);
    DebouncedChanges changes = new DebouncedChanges(bus, "test", List.of(), List.of(),
        Duration.ofHours(1), ChecksumAlgorithm.SHA256, new RateLimitedLog(
            LoggerFactory.getLogger(FileWatcher.class), Clock.systemUTC(),
            RateLimitedLog.INTERVAL));
    changes.note(Files.writeString(dir.resolve("due"), "x"), dir, ChangeType.CREATED, 0);
    changes.note(Files.writeString(dir.resolve("settling"), "x"), dir, ChangeType.CREATED,
        hour + hour / 2);
    Path brief = dir.resolve("brief");
    changes.note(brief, dir, ChangeType.CREATED, 0);
    changes.note(brief, dir, ChangeType.DELETED, 0); // created then deleted: nothing to say

    changes.stop();
    changes.publishDue(2 * hour); // "due" is due now, but the watcher is closing

    assertThat(changes.reportLeftAtClose()).isEqualTo(2);
    assertThat(changes.reportLeftAtClose()).as("reported once").isZero();
    assertThat(publishedSoFar()).isEmpty();
  }

  @Test
  void checksumOnAnInterruptedThread_isRead_notWarnedAsUnreadable_andTheInterruptStays()
      throws Exception {
    // close() interrupts the watcher thread, maybe during a checksum: the JDK's file streams
    // read on regardless (an interruptible FileChannel would be closed and the read reported
    // as "cannot read" the file, a false alarm on every close during a read).
    DebouncedChanges changes = changes();
    Path known = Files.writeString(dir.resolve("known.txt"), "x");
    Path changed = Files.writeString(dir.resolve("changed.txt"), "x");
    try (ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      changes.note(changed, dir, ChangeType.CREATED, 0);
      Thread.currentThread().interrupt(); // as close() interrupts the watcher thread
      boolean stillInterrupted;
      try {
        changes.remember(known, dir);
        changes.publishDue(Long.MAX_VALUE);
      } finally {
        stillInterrupted = Thread.interrupted();
      }
      assertThat(stillInterrupted).isTrue();
      assertThat(log.warnings()).isEmpty();
    }
    assertThat(changes.isKnown(known)).isTrue();
    assertThat(publishedSoFar()).singleElement()
        .satisfies(c -> assertThat(c.checksum()).startsWith("sha256:"));
  }

  /**
   * The changes published since the last call: one subscriber sees events in the order they were
   * published, so once a marker published now arrives, every change published before it has.
   */
  private List<FileChange> publishedSoFar() throws InterruptedException {
    Object marker = new Object();
    bus.publish(marker);
    List<FileChange> published = new ArrayList<>();
    while (true) {
      Object next = delivered.poll(20, TimeUnit.SECONDS);
      assertThat(next).as("the marker").isNotNull();
      if (next == marker) {
        return published;
      }
      published.add((FileChange) next);
    }
  }

  /**
   * A file deleted while its creation is being published is either reported created (and then
   * known, so that its deletion is reported too) or not at all (and then unknown, so that its
   * deletion is not reported without its creation). A file once known although its creation was
   * never published made the watcher report "deleted" for a file nobody heard of.
   */
  @Test
  void publishDue_fileDeletedMeanwhile_isKnownExactlyWhenItsCreationWasPublished()
      throws Exception {
    DebouncedChanges changes = changes();
    byte[] content = new byte[64 * 1024]; // long enough to checksum for the deleter to land in
    for (int i = 0; i < 400; i++) {
      Path file = Files.write(dir.resolve("f" + i), content);
      changes.note(file, dir, ChangeType.CREATED, 0);
      CyclicBarrier start = new CyclicBarrier(2);
      Thread deleter = new Thread(() -> {
        TestThreads.awaitBarrier(start);
        try {
          Files.delete(file);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, "deleter");
      deleter.start();
      TestThreads.awaitBarrier(start);
      changes.publishDue(1);
      deleter.join();

      boolean created = publishedSoFar().stream().anyMatch(
          c -> c.filePath().equals(file.toString()) && c.changeType() == ChangeType.CREATED);
      assertThat(changes.isKnown(file)).as("known after iteration %d", i).isEqualTo(created);
    }
  }

  /**
   * A bus that refuses every change (closed here) gets one WARN per interval, not one per change,
   * and a file name cannot forge a log line.
   */
  @Test
  void publishDue_busRefuses_warnsOncePerInterval_withTheFileNameEscaped() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    DebouncedChanges changes = new DebouncedChanges(bus, "refused", List.of(), List.of(),
        Duration.ZERO, ChecksumAlgorithm.NONE, new RateLimitedLog(
            LoggerFactory.getLogger(FileWatcher.class), clock, RateLimitedLog.INTERVAL));
    bus.close();
    try (ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      for (int i = 0; i < 5; i++) {
        changes.note(Files.writeString(dir.resolve("evil\nFORGED line " + i), "x"), dir,
            ChangeType.CREATED, 0);
      }
      changes.publishDue(1);
      assertThat(log.warnings()).singleElement().satisfies(line -> assertThat(line)
          .contains("could not publish a change of", "evil\\u000aFORGED line")
          .doesNotContain("\n"));

      clock.advance(RateLimitedLog.INTERVAL);
      changes.note(Files.writeString(dir.resolve("later"), "x"), dir, ChangeType.CREATED, 2);
      changes.publishDue(3);
      assertThat(log.warnings()).hasSize(2);
      assertThat(log.warnings().get(1)).contains("later", "4 more like this");
    }
  }

  /** As root no file is unreadable; a directory is: reading it fails for everyone. */
  @Test
  void remember_aFileThatCannotBeRead_isKnownWithoutAChecksum_andSaidOnce() throws Exception {
    DebouncedChanges changes = changes();
    Path unreadable = Files.createDirectory(dir.resolve("reads-fail"));
    try (ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      changes.remember(unreadable, dir);
      changes.remember(Files.writeString(dir.resolve("fine.txt"), "x"), dir);

      assertThat(changes.isKnown(unreadable)).isTrue();
      assertThat(changes.isKnown(dir.resolve("fine.txt"))).isTrue();
      assertThat(log.warnings()).singleElement().satisfies(line ->
          assertThat(line).contains("cannot read", "reads-fail", "for its checksum"));
    }
  }

  @Test
  void publishDue_anErrorFromTheBusUsersCode_isHandedOn_andLaterChangesStillPublished()
      throws Exception {
    List<Throwable> handedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread me = Thread.currentThread();
    Thread.UncaughtExceptionHandler before = me.getUncaughtExceptionHandler();
    me.setUncaughtExceptionHandler((t, e) -> handedOn.add(e));
    try (EventBus failing = EventBus.builder().name("interceptor-error")
        .interceptor(new io.github.eventbus.EventInterceptor() {
          @Override
          public io.github.eventbus.Event<?> onPublish(io.github.eventbus.Event<?> event) {
            if (event.payload() instanceof FileChange c && c.filePath().endsWith("a.txt")) {
              throw new AssertionError("interceptor broke");
            }
            return event;
          }
        }).build();
        ProbeSupport.CapturedLog log = new ProbeSupport.CapturedLog(FileWatcher.class.getName())) {
      failing.subscribe(FileChange.class, delivered::add);
      DebouncedChanges changes = new DebouncedChanges(failing, "error", List.of(), List.of(),
          Duration.ZERO, ChecksumAlgorithm.NONE, new RateLimitedLog(
              LoggerFactory.getLogger(FileWatcher.class), Clock.systemUTC(),
              RateLimitedLog.INTERVAL));
      changes.note(Files.writeString(dir.resolve("a.txt"), "x"), dir, ChangeType.CREATED, 0);
      changes.publishDue(1);
      changes.note(Files.writeString(dir.resolve("b.txt"), "x"), dir, ChangeType.CREATED, 2);
      changes.publishDue(3);

      // The bus delivers a change whose interceptor threw an Error, then throws it to the
      // publisher: the watcher hands it on and publishes the next change.
      for (String name : new String[] {"a.txt", "b.txt"}) {
        Object next = delivered.poll(20, TimeUnit.SECONDS);
        assertThat(next).isInstanceOfSatisfying(FileChange.class,
            c -> assertThat(c.filePath()).endsWith(name));
      }
      assertThat(handedOn).singleElement().asString().contains("interceptor broke");
      assertThat(log.warnings()).singleElement().asString().contains("watching goes on");
    } finally {
      me.setUncaughtExceptionHandler(before);
    }
  }
}
