package io.github.eventbus.handlers;

import static io.github.eventbus.handlers.ProbeSupport.await;
import static io.github.eventbus.handlers.ProbeSupport.linesOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.eventbus.EventBus;
import io.github.eventbus.handlers.ProbeSupport.CapturedLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Second-round probes of the handler fixes in c019660 and 057f57a: the watcher's rescan after an
 * event-queue overflow (directories deleted or renamed meanwhile, globs), a lost or moved root,
 * non-regular files replacing known ones, Errors from distributors and mitigations, the
 * dashboard's expiry on reads, {@code flushLog(Duration)}, and the SMTP exchange deadline against
 * a server that reads slowly or stalls inside the TLS handshake. A probe commented "Regression
 * (fixed since)" failed before the fix it describes.
 */
class HandlersRound2ProbeTest extends HandlersProbes {

  /** Every change published, in order (the base class's queue is for taking them one by one). */
  private final List<FileChange> seen = new CopyOnWriteArrayList<>();

  // ---------------------------------------------------------------- FileWatcher

  /**
   * A watcher whose thread blocks while it publishes {@code first.txt} (an inline subscriber
   * waits), so that changes made meanwhile pile up in the JDK's per-key event list (512 at most,
   * then OVERFLOW).
   */
  private final class BusyWatcher {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final Path root;
    final FileWatcher watcher;

    BusyWatcher(Path root, FileWatcher.Builder builder) {
      this.root = root;
      this.watcher = closing(builder.debounce(Duration.ofMillis(20)).build());
    }

    void blockWatcherThread() throws Exception {
      watcher.start();
      Files.writeString(root.resolve("first.txt"), "first");
      assertThat(entered.await(20, TimeUnit.SECONDS)).as("watcher thread busy").isTrue();
    }

    /** Lets the watcher go on, writes a sentinel and waits until it is reported. */
    void releaseAndSettle() throws Exception {
      release.countDown();
      Path sentinel = Files.writeString(root.resolve("zz-sentinel.txt"), "s");
      assertThat(await(() -> reported(sentinel, ChangeType.CREATED), 20_000))
          .as("sentinel reported").isTrue();
    }
  }

  private BusyWatcher busyWatcher(Path root, String... includes) {
    EventBus bus = inlineBus();
    BusyWatcher[] holder = new BusyWatcher[1];
    bus.subscribe(FileChange.class, c -> {
      seen.add(c);
      if (c.filePath().endsWith("first.txt")) {
        holder[0].entered.countDown();
        holder[0].release.await(30, TimeUnit.SECONDS);
      }
    });
    FileWatcher.Builder builder = FileWatcher.builder(bus).watch(root).name("busy");
    for (String glob : includes) {
      builder.include(glob);
    }
    holder[0] = new BusyWatcher(root, builder);
    return holder[0];
  }

  private boolean reported(Path file, ChangeType type) {
    return seen.stream().anyMatch(c -> c.filePath().equals(file.toString())
        && c.changeType() == type);
  }

  private long count(Path file) {
    return seen.stream().filter(c -> c.filePath().equals(file.toString())).count();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  // Regression (fixed since): a subdirectory of 600 known files deleted (rm -r) while the watcher is busy: observed
  // 600 of 600 files never reported deleted, and one WARN "cannot list .../sub after missing
  // changes: NoSuchFileException". rescan(sub) gives up on the vanished directory, its key is
  // dropped, and the parent's ENTRY_DELETE of sub is then no longer "watched" (why even the first
  // 512 kept deletions are not published was not traced). Javadoc: "publishes a FileChange for
  // each file ... deleted", and every file below a directory gone is deleted. Fix:
  // FileWatcher.rescan, when the directory is gone, forgetTree(directory) instead of the WARN.
  @Test
  void watcher_subdirectoryOf600FilesDeletedWhileBusy_everyFileIsReportedDeleted()
      throws Exception {
    Path root = Files.createDirectory(tmp.resolve("rmr"));
    Path sub = Files.createDirectory(root.resolve("sub"));
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      files.add(Files.writeString(sub.resolve("s" + i + ".txt"), "s" + i));
    }
    BusyWatcher busy = busyWatcher(root);
    try (CapturedLog log = new CapturedLog(FileWatcher.class.getName())) {
      busy.blockWatcherThread();
      deleteTree(sub);
      busy.releaseAndSettle();
      await(() -> files.stream().allMatch(f -> reported(f, ChangeType.DELETED)), 3_000);
      List<Path> missing = files.stream().filter(f -> !reported(f, ChangeType.DELETED)).toList();
      assertThat(missing).as("%d of 600 files never reported deleted (warnings: %s)",
          missing.size(), log.warnings())
          .isEmpty();
    }
  }

  // Regression (fixed since): a subdirectory renamed within the tree while the parent's event list overflows:
  // rescan(root) registers the new name (the inotify watch is the same key) and reports
  // moved/a.txt created, but the old path sub/a.txt, still in `known`, is never reported deleted
  // (Javadoc: "A rename within the tree is the old path deleted and the new one created"). Fix:
  // FileWatcher.rescan, forgetTree every watched directory directly below `directory` that is no
  // longer listed (before registering the new ones).
  @Test
  void watcher_subdirectoryRenamedDuringOverflow_oldPathDeleted_newPathCreated() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("mv"));
    Path sub = Files.createDirectory(root.resolve("sub"));
    Path oldFile = Files.writeString(sub.resolve("a.txt"), "a");
    BusyWatcher busy = busyWatcher(root);
    busy.blockWatcherThread();
    for (int i = 0; i < 600; i++) {
      Files.writeString(root.resolve("o" + i + ".log"), "o");
    }
    Files.move(sub, root.resolve("moved"));
    Path newFile = root.resolve("moved").resolve("a.txt");
    busy.releaseAndSettle();
    await(() -> reported(newFile, ChangeType.CREATED) && reported(oldFile, ChangeType.DELETED),
        3_000);
    assertThat(reported(newFile, ChangeType.CREATED)).as("new path created").isTrue();
    assertThat(reported(oldFile, ChangeType.DELETED)).as("old path deleted").isTrue();
  }

  @Test
  void watcher_overflowWithIncludeGlob_rescanReportsOnlyIncludedFiles_eachOnce() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("glob"));
    Path gone = Files.writeString(root.resolve("gone.txt"), "g");
    Path kept = Files.writeString(root.resolve("kept.txt"), "k");
    Path changed = Files.writeString(root.resolve("changed.txt"), "before");
    BusyWatcher busy = busyWatcher(root, "*.txt");
    busy.blockWatcherThread();
    for (int i = 0; i < 600; i++) {
      Files.writeString(root.resolve("n" + i + ".log"), "n");
    }
    Path late = Files.writeString(root.resolve("late.txt"), "late");
    Files.delete(gone);
    Files.writeString(changed, "after");
    busy.releaseAndSettle();
    await(() -> reported(late, ChangeType.CREATED) && reported(gone, ChangeType.DELETED)
        && reported(changed, ChangeType.MODIFIED), 3_000);
    assertThat(seen).noneMatch(c -> c.filePath().endsWith(".log"));
    assertThat(reported(late, ChangeType.CREATED)).as("late.txt created").isTrue();
    assertThat(reported(gone, ChangeType.DELETED)).as("gone.txt deleted").isTrue();
    assertThat(reported(changed, ChangeType.MODIFIED)).as("changed.txt modified").isTrue();
    assertThat(count(kept)).as("an unchanged file is not reported by the rescan").isZero();
    assertThat(List.of(late, gone, changed)).allSatisfy(f -> assertThat(count(f)).isOne());
  }

  // Regression (fixed since): the commit says a lost root (deleted or moved) logs one WARN, but a root *moved*
  // away keeps its inotify watch (the JDK ignores IN_MOVE_SELF), so key.reset() never fails: no
  // WARN, and files written in the moved directory are silently dropped (publish() finds no file
  // under the old path). Fix: FileWatcher.process, after each key, check that a root still
  // exists (Files.isDirectory, or the same fileKey as at start) and treat it as lost if not.
  @Test
  void watcher_rootMovedAway_isLoggedAsLost() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("moving"));
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, seen::add);
    FileWatcher watcher = closing(FileWatcher.builder(bus).watch(root)
        .debounce(Duration.ofMillis(20)).name("moving").build());
    watcher.start();
    try (CapturedLog log = new CapturedLog(FileWatcher.class.getName())) {
      Path elsewhere = Files.move(root, tmp.resolve("elsewhere"));
      Files.writeString(elsewhere.resolve("after.txt"), "after");
      boolean warned = await(() -> log.warnings().stream().anyMatch(w -> w.contains("lost")),
          3_000);
      assertThat(warned).as("a WARN for the moved root (changes: %s)", seen).isTrue();
    }
  }

  @Test
  void watcher_rootDeletedTwice_warnsOnce_otherRootStillWatched() throws Exception {
    Path a = Files.createDirectory(tmp.resolve("a"));
    Path b = Files.createDirectory(tmp.resolve("b"));
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, seen::add);
    FileWatcher watcher = closing(FileWatcher.builder(bus).watch(a).watch(b)
        .debounce(Duration.ofMillis(20)).name("two").build());
    watcher.start();
    try (CapturedLog log = new CapturedLog(FileWatcher.class.getName())) {
      Files.delete(a);
      assertThat(await(() -> log.warnings().size() == 1, 5_000)).isTrue();
      Files.createDirectory(a);
      Files.writeString(a.resolve("x.txt"), "x");
      Files.delete(a.resolve("x.txt"));
      Files.delete(a);
      Path sentinel = Files.writeString(b.resolve("s.txt"), "s");
      assertThat(await(() -> reported(sentinel, ChangeType.CREATED), 10_000)).isTrue();
      assertThat(log.warnings()).hasSize(1).allSatisfy(w -> assertThat(w).contains("lost its root")
          .contains(a.toString()));
      assertThat(seen).noneMatch(c -> c.filePath().startsWith(a.toString()));
    }
  }

  // Regression (fixed since): a known file replaced by a named pipe through a rename (mkfifo tmp; mv tmp data,
  // as atomic saves do) is never reported: the ENTRY_CREATE of data is skipped as "not a regular
  // file", and nothing else says the file is gone; `known` keeps it. The watcher reports only
  // regular files, so the file's disappearance should be "deleted". Fix: FileWatcher.process,
  // when a path that is known (or pending) now exists but is not a regular file, note DELETED.
  @Test
  void watcher_knownFileReplacedByAPipeThroughRename_isReportedDeleted() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("pipe"));
    Path data = Files.writeString(root.resolve("data"), "regular");
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, seen::add);
    FileWatcher watcher = closing(FileWatcher.builder(bus).watch(root)
        .debounce(Duration.ofMillis(20)).name("pipe").build());
    watcher.start();
    Path fifo = tmp.resolve("fifo");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("mkfifo").isTrue();
    Files.move(fifo, data, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Path sentinel = Files.writeString(root.resolve("sentinel"), "s");
    assertThat(await(() -> reported(sentinel, ChangeType.CREATED), 10_000)).isTrue();
    assertThat(await(() -> reported(data, ChangeType.DELETED), 2_000))
        .as("the replaced file is reported deleted (changes: %s)", seen).isTrue();
  }

  @Test
  void watcher_pipeReplacedByARegularFileOfTheSameName_isReportedCreatedOnce() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("pipe2"));
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, seen::add);
    FileWatcher watcher = closing(FileWatcher.builder(bus).watch(root)
        .debounce(Duration.ofMillis(20)).name("pipe2").build());
    watcher.start();
    Path name = root.resolve("node");
    Process p = new ProcessBuilder("mkfifo", name.toString()).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("mkfifo").isTrue();
    Files.delete(name);
    Files.writeString(name, "now a file");
    assertThat(await(() -> reported(name, ChangeType.CREATED), 10_000)).isTrue();
    Path sentinel = Files.writeString(root.resolve("sentinel"), "s");
    assertThat(await(() -> reported(sentinel, ChangeType.CREATED), 10_000)).isTrue();
    assertThat(count(name)).isOne();
    FileChange c = seen.stream().filter(x -> x.filePath().equals(name.toString())).findFirst()
        .orElseThrow();
    assertThat(c.size()).isEqualTo("now a file".length());
  }

  @Test
  void watcher_symlinkToDirectoryReplacedByARealDirectory_itsFilesAreReported() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("links"));
    Path target = Files.createDirectory(tmp.resolve("target"));
    Files.writeString(target.resolve("outside.txt"), "outside");
    Path link = Files.createSymbolicLink(root.resolve("d"), target);
    EventBus bus = inlineBus();
    bus.subscribe(FileChange.class, seen::add);
    FileWatcher watcher = closing(FileWatcher.builder(bus).watch(root)
        .debounce(Duration.ofMillis(20)).name("links").build());
    watcher.start();
    Files.writeString(target.resolve("while-linked.txt"), "w");
    Files.delete(link);
    Files.createDirectory(link);
    Path inside = Files.writeString(link.resolve("inside.txt"), "inside");
    assertThat(await(() -> reported(inside, ChangeType.CREATED), 10_000)).isTrue();
    assertThat(seen).as("nothing through the link, and the link's removal is no file")
        .noneMatch(c -> c.filePath().contains("outside") || c.filePath().contains("while-linked")
            || c.filePath().equals(link.toString()));
  }

  // ---------------------------------------------------------------- Errors

  private ReportReady report(Path file, String... recipients) {
    return new ReportReady("r1", ReportType.DAILY, file.toString(), ReportFormat.PDF, null, null,
        List.of(recipients), Map.of());
  }

  @Test
  void report_errorFromTheSecondDistributor_firstIsLoggedSent_everyRecipientTried_errorThrown()
      throws Exception {
    EventBus bus = inlineBus();
    List<String> sent = new CopyOnWriteArrayList<>();
    List<String> tried = new CopyOnWriteArrayList<>();
    ReportReadyHandler handler = closing(ReportReadyHandler.builder()
        .logRoot(tmp.resolve("logs")).clock(clock)
        .distributor((r, f, to) -> sent.add(to))
        .distributor((r, f, to) -> {
          tried.add(to);
          throw new StackOverflowError("deep " + to);
        }).build());
    closing(handler.register(bus));
    Path pdf = Files.writeString(tmp.resolve("r.pdf"), "%PDF-1.7\n");
    List<Throwable> thrown = new ArrayList<>();
    try {
      bus.publishSync(report(pdf, "a@example.com", "b@example.com"));
    } catch (Error e) {
      thrown.add(e);
    }
    thrown.addAll(failures);
    handler.flushLog();
    assertThat(sent).containsExactly("a@example.com", "b@example.com");
    assertThat(tried).containsExactly("a@example.com", "b@example.com");
    JsonNode line = linesOf(handler.logFile()).get(0);
    assertThat(line.get("action").asText()).isEqualTo("processed");
    List<String> statuses = new ArrayList<>();
    line.get("distribution").forEach(d -> statuses.add(d.get("recipient").asText() + " "
        + d.get("status").asText()));
    assertThat(statuses).containsExactly("a@example.com sent", "a@example.com failed",
        "b@example.com sent", "b@example.com failed");
    assertThat(thrown).as("the Error reaches the bus or the publisher").isNotEmpty()
        .anySatisfy(t -> assertThat(t).hasStackTraceContaining("deep a@example.com"));
  }

  @Test
  void mitigationError_withEscalationOff_isLoggedFailed_notifiedNotEscalated_thenThrown()
      throws Exception {
    EventBus bus = inlineBus();
    List<RiskEscalated> escalated = new CopyOnWriteArrayList<>();
    List<RiskNotification> notified = new CopyOnWriteArrayList<>();
    bus.subscribe(RiskEscalated.class, escalated::add);
    bus.subscribe(RiskNotification.class, notified::add);
    AtomicLong secondRan = new AtomicLong();
    RiskAlertHandler handler = closing(RiskAlertHandler.builder().logRoot(tmp.resolve("logs"))
        .clock(clock).escalationEnabled(false)
        .mitigation("boom", a -> {
          throw new OutOfMemoryError("simulated");
        })
        .mitigation("after", a -> secondRan.incrementAndGet()).build());
    closing(handler.register(bus));
    List<Throwable> thrown = new ArrayList<>();
    try {
      bus.publishSync(RiskAlertHandlerTest.alert("m1", Severity.CRITICAL, 0.99, "boom", "after"));
    } catch (Error e) {
      thrown.add(e);
    }
    thrown.addAll(failures);
    handler.flushLog();
    JsonNode line = linesOf(handler.logFile()).get(0);
    assertThat(line.get("action").asText()).isEqualTo("created");
    assertThat(line.get("escalated").asBoolean()).isFalse();
    assertThat(line.get("mitigation").get(0).get("status").asText()).isEqualTo("failed");
    assertThat(line.get("mitigation").get(1).get("status").asText()).isEqualTo("done");
    assertThat(secondRan).hasValue(1);
    assertThat(escalated).isEmpty();
    assertThat(notified).hasSize(1);
    assertThat(thrown).isNotEmpty().anySatisfy(t -> assertThat(t)
        .hasStackTraceContaining("simulated"));
    assertThat(handler.dashboard().snapshot().alerts()).extracting(AlertSummary::alertId)
        .containsExactly("m1");
  }

  // ---------------------------------------------------------------- RiskDashboard

  // Regression (fixed since): 49 h after its last sighting an alert has "left the dashboard" (snapshot() no longer
  // shows it), yet acknowledge() and resolve() still find it and return true ("false if no
  // active alert has that id"): setStatus does not forget old alerts first. Fix:
  // RiskDashboard.acknowledge/resolve (setStatus) call forgetOld(clock.instant()) first.
  @Test
  void dashboard_acknowledgeOrResolveAnExpiredAlert_returnsFalse() throws Exception {
    EventBus bus = inlineBus();
    RiskAlertHandler handler = closing(RiskAlertHandler.builder().logRoot(tmp.resolve("logs"))
        .clock(clock).build());
    closing(handler.register(bus));
    bus.publishSync(RiskAlertHandlerTest.alert("old1", Severity.LOW, 0.1));
    bus.publishSync(RiskAlertHandlerTest.alert("old2", Severity.LOW, 0.1));
    clock.advance(Duration.ofHours(49));
    RiskDashboard dashboard = handler.dashboard();
    boolean acknowledged = dashboard.acknowledge("old1");
    boolean resolved = dashboard.resolve("old2");
    assertThat(dashboard.toJson()).doesNotContain("old1").doesNotContain("old2");
    assertThat(List.of(acknowledged, resolved)).as("acknowledge, resolve of expired alerts")
        .containsExactly(false, false);
  }

  @Test
  void dashboard_toJson47HoursLaterShows_49HoursLaterForgets_alertAndHourlyCount()
      throws Exception {
    EventBus bus = inlineBus();
    RiskAlertHandler handler = closing(RiskAlertHandler.builder().logRoot(tmp.resolve("logs"))
        .clock(clock).build());
    closing(handler.register(bus));
    bus.publishSync(RiskAlertHandlerTest.alert("aging", Severity.HIGH, 0.5));
    clock.advance(Duration.ofHours(47));
    assertThat(handler.dashboard().toJson()).contains("aging");
    assertThat(handler.dashboard().acknowledge("aging")).isTrue();
    clock.advance(Duration.ofHours(2));
    DashboardSnapshot s = handler.dashboard().snapshot();
    assertThat(s.alerts()).isEmpty();
    assertThat(s.activeBySeverity().values()).allMatch(n -> n == 0);
    assertThat(handler.dashboard().toJson()).doesNotContain("aging");
  }

  // ---------------------------------------------------------------- flushLog(Duration)

  // Regression (fixed since): flushLog(Duration.ZERO) (and a negative timeout) returns false though every line
  // was already written ("@return true if they are"): the barrier is always queued to the writer
  // thread and get(0) usually times out before it can run (intermittent: all 40 answers false in
  // one run, all true in the next, so this probe can pass by luck). Fix: HandlerLog.flush, return true when
  // nothing is outstanding (compare appended with written), or document that a zero timeout
  // answers false unless the writer has already acknowledged.
  @Test
  void flushLog_zeroOrNegative_afterEverythingIsWritten_returnsTrue_nullIsRefusedByName()
      throws Exception {
    EventBus bus = inlineBus();
    RiskAlertHandler handler = closing(RiskAlertHandler.builder().logRoot(tmp.resolve("logs"))
        .clock(clock).build());
    closing(handler.register(bus));
    bus.publishSync(RiskAlertHandlerTest.alert("f1", Severity.LOW, 0.1));
    assertThat(handler.flushLog(Duration.ofSeconds(10))).isTrue();
    assertThat(linesOf(handler.logFile())).hasSize(1);
    assertThatThrownBy(() -> handler.flushLog(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    List<Boolean> answers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      answers.add(handler.flushLog(Duration.ZERO));
      answers.add(handler.flushLog(Duration.ofSeconds(-1)));
    }
    assertThat(answers).as("with nothing unwritten").containsOnly(true);
  }

  // ---------------------------------------------------------------- SMTP deadline

  /** A scripted SMTP server on 127.0.0.1; {@code afterData} reads the message body its way. */
  private final class SlowReadingServer implements AutoCloseable {
    final ServerSocket server;
    final AtomicBoolean gotWholeMessage = new AtomicBoolean();
    final AtomicLong bodyBytes = new AtomicLong();
    volatile Socket client;

    SlowReadingServer(int chunk, long pauseMillis) throws IOException {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
      side.submit(() -> serve(chunk, pauseMillis));
    }

    int port() {
      return server.getLocalPort();
    }

    private Void serve(int chunk, long pauseMillis) throws Exception {
      try (Socket c = server.accept()) {
        client = c;
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        reply(out, "220 slow ESMTP");
        while (true) {
          String cmd = line(in);
          if (cmd == null) {
            return null;
          }
          String verb = cmd.toUpperCase(java.util.Locale.ROOT);
          if (verb.startsWith("EHLO") || verb.startsWith("HELO")) {
            reply(out, "250 slow");
          } else if (verb.startsWith("DATA")) {
            reply(out, "354 go on");
            readBodySlowly(in, chunk, pauseMillis);
            gotWholeMessage.set(true);
            reply(out, "250 queued");
          } else if (verb.startsWith("QUIT")) {
            reply(out, "221 bye");
            return null;
          } else {
            reply(out, "250 ok");
          }
        }
      }
    }

    private void readBodySlowly(InputStream in, int chunk, long pauseMillis) throws Exception {
      byte[] buf = new byte[chunk];
      byte[] tail = new byte[5];
      Object tick = new Object();
      byte[] end = "\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          throw new IOException("eof in DATA");
        }
        bodyBytes.addAndGet(n);
        for (int i = 0; i < n; i++) {
          System.arraycopy(tail, 1, tail, 0, 4);
          tail[4] = buf[i];
        }
        if (java.util.Arrays.equals(tail, end)) {
          return;
        }
        synchronized (tick) {
          tick.wait(pauseMillis); // the server's read rate, not synchronisation
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      Socket c = client;
      if (c != null) {
        c.close();
      }
    }
  }

  private static void reply(OutputStream out, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b; (b = in.read()) >= 0; ) {
      if (b == '\n') {
        return sb.toString().strip();
      }
      sb.append((char) b);
    }
    return null;
  }

  private Path bigPdf(long bytes) throws IOException {
    Path pdf = tmp.resolve("big.pdf");
    byte[] block = new byte[64 * 1024];
    new Random(42).nextBytes(block);
    try (OutputStream out = Files.newOutputStream(pdf)) {
      out.write("%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII));
      for (long written = 0; written < bytes; written += block.length) {
        out.write(block);
      }
    }
    return pdf;
  }

  // Passes: a server reading steadily (64 KiB every 5 ms) gets a 24 MiB attachment within
  // connect + 5 x read (6 s); a message the server accepts is reported sent. Not shown: the
  // deadline is checked on reads only, so an upload slower than the deadline (but with each write
  // within the write timeout) is bounded by nothing but the final read, which then fails after the
  // server accepted the message; tuning the read rate to hit that window was not stable here.
  @Test
  void smtp_serverReadingALittleAtATime_exchangeEndsWithinConnectPlusFiveReadTimeouts()
      throws Exception {
    Path pdf = bigPdf(24L * 1024 * 1024);
    try (SlowReadingServer server = new SlowReadingServer(64 * 1024, 5)) {
      SmtpReportDistributor mail = SmtpReportDistributor.builder("127.0.0.1", server.port())
          .from("reports@example.com").timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1))
          .maxAttachmentBytes(64L * 1024 * 1024).build();
      long start = System.nanoTime();
      Future<?> sent = side.submit(() -> {
        mail.distribute(report(pdf, "a@example.com"), pdf, "a@example.com");
        return null;
      });
      String outcome;
      try {
        sent.get(20, TimeUnit.SECONDS);
        outcome = "sent";
      } catch (ExecutionException e) {
        outcome = "failed: " + e.getCause();
      } catch (TimeoutException e) {
        outcome = "still running";
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      server.close();
      org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
      soft.assertThat(millis).as("distribute() %s after %d ms; the server had read %d bytes",
          outcome, millis, server.bodyBytes.get()).isLessThan(8_000);
      if (server.gotWholeMessage.get()) {
        soft.assertThat(outcome).as("the server accepted the whole message").isEqualTo("sent");
      }
      soft.assertAll();
    }
  }

  /**
   * A server that offers STARTTLS, accepts it, and then drips a TLS record one byte at a time,
   * well within any read timeout, so only a deadline over the whole exchange ends it.
   */
  @Test
  void smtp_startTlsServerDrippingTheHandshake_distributeEndsWithinTheDeadline() throws Exception {
    Path pdf = Files.writeString(tmp.resolve("r.pdf"), "%PDF-1.7\n");
    ServerSocket server = closing(new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
    List<Socket> clients = new CopyOnWriteArrayList<>();
    AtomicBoolean dripping = new AtomicBoolean();
    side.submit(() -> {
      try (Socket c = server.accept()) {
        clients.add(c);
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        reply(out, "220 tls ESMTP");
        for (String cmd; (cmd = line(in)) != null; ) {
          String verb = cmd.toUpperCase(java.util.Locale.ROOT);
          if (verb.startsWith("EHLO")) {
            out.write("250-tls\r\n250 STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
          } else if (verb.startsWith("STARTTLS")) {
            reply(out, "220 go ahead");
            break;
          } else {
            reply(out, "250 ok");
          }
        }
        // A handshake record that announces 16 KiB, then one byte every 100 ms.
        out.write(new byte[] {0x16, 0x03, 0x03, 0x40, 0x00});
        out.flush();
        dripping.set(true);
        Object tick = new Object();
        for (int i = 0; i < 16_000; i++) {
          out.write(0);
          out.flush();
          synchronized (tick) {
            tick.wait(100); // the drip rate of the hostile server, not synchronisation
          }
        }
      }
      return null;
    });
    SmtpReportDistributor mail = SmtpReportDistributor.builder("127.0.0.1", server.getLocalPort())
        .from("reports@example.com").startTls(true)
        .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1)).build();
    long start = System.nanoTime();
    Future<?> sent = side.submit(() -> {
      mail.distribute(report(pdf, "a@example.com"), pdf, "a@example.com");
      return null;
    });
    String outcome;
    try {
      sent.get(12, TimeUnit.SECONDS);
      outcome = "sent";
    } catch (ExecutionException e) {
      outcome = "failed: " + e.getCause();
    } catch (TimeoutException e) {
      outcome = "still running";
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    for (Socket c : clients) {
      c.close();
    }
    assertThat(dripping).as("the client reached the TLS handshake").isTrue();
    assertThat(outcome).startsWith("failed");
    assertThat(millis).as("ended after %d ms (%s)", millis, outcome).isLessThan(8_000);
  }
}
