package io.github.eventbus.webhooks;

import static io.github.eventbus.webhooks.OutboxProbes.entry;
import static io.github.eventbus.webhooks.OutboxProbes.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client per outbox file: a second one, built while the first is open, is refused before it
 * reads the file, and the file is free again once the first is closed or fails to open.
 */
class OutboxLockTest {

  @TempDir Path dir;

  @Test
  void secondClientOnOneOutbox_isRefusedNamingTheFile_andTheFirstKeepsItsDeliveries()
      throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    try (WebhookClient first = WebhookClient.builder().secret("s3cret").outbox(file).build()) {
      assertThatThrownBy(() -> WebhookClient.builder().secret("s3cret").outbox(file).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("in use by another client");
      assertThat(first.outboxStats()).isPresent();
    }
    try (WebhookClient next = WebhookClient.builder().secret("s3cret").outbox(file).build()) {
      assertThat(next.resumed()).isEmpty(); // free again once the first was closed
    }
  }

  @Test
  void outboxInUse_isRefusedBeforeItsFileIsRead_soTheOpenOneLosesNothing() throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    try (Outbox first = new Outbox(file, null)) {
      first.pending(entry("a")).get(20, TimeUnit.SECONDS);
      assertThatThrownBy(() -> new Outbox(file, null)).isInstanceOf(IllegalStateException.class);
      first.pending(entry("b")).get(20, TimeUnit.SECONDS);
    }
    try (Outbox reopened = new Outbox(file, null)) {
      assertThat(ids(reopened.pending())).containsExactly("a", "b");
    }
  }

  @Test
  void outboxThroughASymbolicLink_isTheFileItPointsTo_oneClientForBoth() throws Exception {
    // Regression: a client on a link to the outbox locked <link>.lock, so a client on the file
    // and one on the link both resumed its deliveries, and the link was replaced by a copy.
    Path file = dir.resolve("outbox.jsonl");
    Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), file);
    try (Outbox first = new Outbox(file, null)) {
      first.pending(entry("a")).get(20, TimeUnit.SECONDS);
      assertThatThrownBy(() -> new Outbox(link, null)).isInstanceOf(IllegalStateException.class);
    }
    try (Outbox throughLink = new Outbox(link, null)) {
      assertThat(ids(throughLink.pending())).containsExactly("a");
      throughLink.pending(entry("b")).get(20, TimeUnit.SECONDS);
    }
    assertThat(Files.isSymbolicLink(link)).as("the link is left a link").isTrue();
    try (Outbox reopened = new Outbox(file, null)) {
      assertThat(ids(reopened.pending())).containsExactly("a", "b");
    }
    Files.delete(file);
    Files.delete(dir.resolve("outbox.jsonl.lock"));
    assertThatThrownBy(() -> new Outbox(link, null)).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("a symbolic link to nothing");
  }

  @Test
  void outboxWithASecondHardLink_isRefused_untilOneNameIsLeft() throws Exception {
    // Regression: each name took its own lock file, so a client on each resumed the same
    // deliveries; and opening replaced the file, parting the two names without a word.
    Path file = dir.resolve("outbox.jsonl");
    try (Outbox first = new Outbox(file, null)) {
      first.pending(entry("a")).get(20, TimeUnit.SECONDS);
    }
    Path other = Files.createLink(dir.resolve("other.jsonl"), file);
    assertThatThrownBy(() -> new Outbox(file, null)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("2 hard links");
    assertThatThrownBy(() -> new Outbox(other, null)).isInstanceOf(IllegalStateException.class);

    Files.delete(other);
    try (Outbox reopened = new Outbox(file, null)) { // the refusal released the lock
      assertThat(ids(reopened.pending())).containsExactly("a");
    }
  }

  @Test
  void outboxThatFailsToOpen_releasesItsLock() throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    Files.createDirectories(file); // a directory where the file should be: cannot be read
    assertThatThrownBy(() -> new Outbox(file, null)).isInstanceOf(UncheckedIOException.class);
    Files.delete(file);
    try (Outbox opened = new Outbox(file, null)) {
      assertThat(opened.pending()).isEmpty();
    }
  }

  /**
   * A second client refused in this process must not release the first one's lock: the
   * operating system's lock is the process's, and closing any channel of the file drops it.
   */
  @Test
  void secondClientRefusedInThisProcess_leavesTheLockHeld_forOtherProcesses() throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    try (Outbox first = new Outbox(file, null)) {
      assertThatThrownBy(() -> new Outbox(file, null)).isInstanceOf(IllegalStateException.class);
      assertThat(probeFromAnotherProcess(dir.resolve("outbox.jsonl.lock"))).isEqualTo("refused");
    }
    assertThat(probeFromAnotherProcess(dir.resolve("outbox.jsonl.lock"))).isEqualTo("locked");
  }

  /**
   * Regression: the lock file went with its directory, and the outbox, written again, ran with
   * no lock: a client started in another process took the outbox too.
   */
  @Test
  void directoryDeletedUnderARunningOutbox_itsLockIsMadeAgain_withTheFile() throws Exception {
    Path sub = dir.resolve("sub");
    Path file = sub.resolve("outbox.jsonl");
    try (Outbox outbox = new Outbox(file, null)) {
      outbox.pending(entry("a")).get(20, TimeUnit.SECONDS);
      deleteAll(sub);

      outbox.pending(entry("b")).get(20, TimeUnit.SECONDS); // written to the file made again

      assertThat(probeFromAnotherProcess(sub.resolve("outbox.jsonl.lock"))).isEqualTo("refused");
    }
    assertThat(probeFromAnotherProcess(sub.resolve("outbox.jsonl.lock"))).isEqualTo("locked");
    try (Outbox reopened = new Outbox(file, null)) {
      // b found the file gone; a is among the records written again after it
      assertThat(ids(reopened.pending())).containsExactly("b", "a");
    }
  }

  @Test
  void lockFileDeletedAndTakenInThisProcess_isReportedOnce_theOutboxRunsOn() throws Exception {
    String warning = warningOnceTheLockFileIsTaken(lock -> {
      FileChannel other = lockedHere(lock); // the outbox cannot lock it
      return () -> {
        // The outbox's channel of this file, if dropped, would release this lock once collected.
        System.gc();
        assertThat(probeFromAnotherProcess(lock)).isEqualTo("refused");
        other.close();
      };
    });
    assertThat(warning).contains("could not be made again");
  }

  @Test
  void lockFileDeletedAndLockedByAnotherProcess_isReported_twoClientsNowRun() throws Exception {
    String warning = warningOnceTheLockFileIsTaken(OutboxLockTest::heldByAnotherProcess);
    assertThat(warning).contains("another client has locked");
  }

  /**
   * Regression: a channel opened while this process held the new lock file through another one
   * was dropped when a second renewal overwrote it, or when the closed lock was collected; its
   * collection released that other lock, and another process could take the file.
   */
  @Test
  void lockFileTakenInThisProcess_staysLocked_throughRenewalsAndAfterClose() throws Exception {
    Path sub = dir.resolve("sub");
    Path lockFile = sub.resolve("outbox.jsonl.lock");
    OutboxLock lock = lockThenEmptyItsDirectory(sub);
    try (FileChannel other = lockedHere(lockFile)) {
      lock.renewIfGone();
      lock.renewIfGone();
      System.gc();
      assertThat(probeFromAnotherProcess(lockFile)).isEqualTo("refused");
      lock.close();
      lock = null;
      System.gc();
      assertThat(probeFromAnotherProcess(lockFile)).isEqualTo("refused");
    }
  }

  /**
   * Regression: once refused because this process held the lock file through another channel,
   * the outbox stayed refused for the life of the process, though the other channel let go.
   */
  @Test
  void outboxRefusedWhileLockedHereElsewhere_opensOnceThatLockIsGone() throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    Path lockFile = dir.resolve("outbox.jsonl.lock");
    try (FileChannel other = lockedHere(lockFile)) {
      assertThatThrownBy(() -> OutboxLock.acquire(file))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> OutboxLock.acquire(file))
          .isInstanceOf(IllegalStateException.class);
    }
    try (OutboxLock lock = OutboxLock.acquire(file)) {
      assertThat(probeFromAnotherProcess(lockFile)).isEqualTo("refused");
    }
  }

  @Test
  void renewalRefusedWhileLockedHereElsewhere_locksOnceThatLockIsGone() throws Exception {
    Path sub = dir.resolve("sub");
    Path lockFile = sub.resolve("outbox.jsonl.lock");
    try (OutboxLock lock = lockThenEmptyItsDirectory(sub)) {
      try (FileChannel other = lockedHere(lockFile)) {
        lock.renewIfGone();
      }
      lock.renewIfGone();
      assertThat(probeFromAnotherProcess(lockFile)).isEqualTo("refused");
    }
    assertThat(probeFromAnotherProcess(lockFile)).isEqualTo("locked");
  }

  /** Renewal is tried at every whole rewrite; a lasting condition is one line, not one each. */
  @Test
  void renewalHeldByAnotherProcess_isReportedOnce_howeverOftenTried() throws Exception {
    Path sub = dir.resolve("sub");
    Path lockFile = sub.resolve("outbox.jsonl.lock");
    try (LogCapture log = new LogCapture(WebhookClient.class);
        OutboxLock lock = lockThenEmptyItsDirectory(sub)) {
      try (AutoCloseable other = heldByAnotherProcess(lockFile)) {
        lock.renewIfGone();
        lock.renewIfGone();
        lock.renewIfGone();
      }
      assertThat(log.lines(Level.WARN)).filteredOn(l -> l.contains("lock file")).hasSize(1);
    }
  }

  /**
   * Regression: a renewal refused because this process holds the new lock file elsewhere was
   * taken as reported already whenever any acquire had met that file, through another name too.
   */
  @Test
  void renewalHeldHere_isReported_evenAfterAnAcquireThroughAnotherNameMetIt() throws Exception {
    Path sub = dir.resolve("sub");
    Path lockFile = sub.resolve("outbox.jsonl.lock");
    try (LogCapture log = new LogCapture(WebhookClient.class);
        OutboxLock lock = lockThenEmptyItsDirectory(sub);
        FileChannel other = lockedHere(lockFile)) {
      Files.createLink(sub.resolve("second.jsonl.lock"), lockFile);
      assertThatThrownBy(() -> OutboxLock.acquire(sub.resolve("second.jsonl")))
          .isInstanceOf(IllegalStateException.class);

      lock.renewIfGone();

      assertThat(log.lines(Level.WARN)).filteredOn(l -> l.contains("lock file")).hasSize(1);
    }
  }

  /**
   * Regression: two acquires through two names of one lock file, while a channel of it was kept,
   * both tried that channel; one locked through it and later closed it, and the other, meeting a
   * closed channel, took it for a file system without locks and ran unlocked.
   */
  @Test
  void acquiresRacingThroughTwoNamesOfAKeptLockFile_neverRunUnlocked() throws Exception {
    Path first = dir.resolve("a.jsonl.lock");
    lockedHere(first).close();
    Files.createLink(dir.resolve("b.jsonl.lock"), first);
    try (LogCapture log = new LogCapture(WebhookClient.class)) {
      for (int round = 0; round < 300; round++) {
        try (FileChannel other = lockedHere(first)) { // a refused acquire keeps its channel
          assertThatThrownBy(() -> OutboxLock.acquire(dir.resolve("a.jsonl")))
              .isInstanceOf(IllegalStateException.class);
        }
        List<Throwable> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread[] racing = new Thread[2];
        String[] names = {"a.jsonl", "b.jsonl"};
        for (int i = 0; i < 2; i++) {
          Path file = dir.resolve(names[i]);
          racing[i] = new Thread(() -> {
            try {
              OutboxLock.acquire(file).close();
            } catch (IllegalStateException refused) {
              // the other holds it: fine
            } catch (RuntimeException | Error e) {
              unexpected.add(e);
            }
          });
        }
        for (Thread t : racing) {
          t.start();
        }
        for (Thread t : racing) {
          t.join();
        }
        assertThat(unexpected).isEmpty();
      }
      assertThat(log.lines(Level.WARN)).noneMatch(l -> l.contains("may not support locks"));
    }
  }

  /** Has a child JVM lock a file, until the returned handle is closed. */
  private static AutoCloseable heldByAnotherProcess(Path lockFile) throws IOException {
    Process other = childJvm(LockProbeChild.class, lockFile.toString(), "hold");
    assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(
        other.getInputStream(), StandardCharsets.UTF_8)).readLine()).isEqualTo("locked");
    return () -> {
      other.getOutputStream().close(); // lets it go
      assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
    };
  }

  /** Locks a file through a channel of the test's own, as application code in this JVM might. */
  private static FileChannel lockedHere(Path lockFile) throws IOException {
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    channel.lock();
    return channel;
  }

  /** Takes the lock of {@code sub}'s outbox, then deletes {@code sub} and makes it again empty. */
  private static OutboxLock lockThenEmptyItsDirectory(Path sub) throws IOException {
    OutboxLock lock = OutboxLock.acquire(sub.resolve("outbox.jsonl"));
    deleteAll(sub);
    Files.createDirectories(sub);
    return lock;
  }

  /** Something that takes a lock file, held until closed. */
  private interface LockTaker {
    AutoCloseable take(Path lock) throws Exception;
  }

  /**
   * Deletes a running outbox's directory, lets {@code taker} take the lock file at its path, and
   * returns the one WARN about the lock file once the outbox was written again.
   */
  private String warningOnceTheLockFileIsTaken(LockTaker taker) throws Exception {
    Path sub = dir.resolve("sub");
    try (LogCapture log = new LogCapture(WebhookClient.class);
        Outbox outbox = new Outbox(sub.resolve("outbox.jsonl"), null)) {
      deleteAll(sub);
      Files.createDirectories(sub);
      try (AutoCloseable held = taker.take(sub.resolve("outbox.jsonl.lock"))) {
        outbox.pending(entry("a")).get(20, TimeUnit.SECONDS);
        List<String> lines = log.lines(Level.WARN).stream()
            .filter(l -> l.contains("lock file")).toList();
        assertThat(lines).hasSize(1);
        return lines.get(0);
      }
    }
  }

  private static Process childJvm(Class<?> main, String... args) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  private static void deleteAll(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static String probeFromAnotherProcess(Path lock) throws Exception {
    Process child = childJvm(LockProbeChild.class, lock.toString());
    try {
      String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return out.strip();
    } finally {
      child.destroyForcibly();
    }
  }
}
