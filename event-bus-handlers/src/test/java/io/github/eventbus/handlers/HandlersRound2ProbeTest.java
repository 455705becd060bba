package io.github.eventbus.handlers;

import static io.github.eventbus.handlers.ProbeSupport.linesOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.eventbus.EventBus;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Second-round probes of the handler fixes: Errors from distributors and mitigations, the
 * dashboard's expiry on reads, {@code flushLog(Duration)}, and the SMTP exchange deadline against
 * a server that reads slowly or stalls inside the TLS handshake. A probe commented "Regression
 * (fixed since)" failed before the fix it describes.
 */
class HandlersRound2ProbeTest extends HandlersProbes {

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

  // Passes: a server reading steadily (64 KiB every 5 ms) gets an 8 MiB attachment within
  // connect + 5 x read (6 s); a message the server accepts is reported sent. Not shown: the
  // deadline is checked on reads only, so an upload slower than the deadline (but with each write
  // within the write timeout) is bounded by nothing but the final read, which then fails after the
  // server accepted the message; tuning the read rate to hit that window was not stable here.
  @Test
  void smtp_serverReadingALittleAtATime_exchangeEndsWithinConnectPlusFiveReadTimeouts()
      throws Exception {
    // 8 MiB (about 11 MB as base64): several times the socket buffers, so the server's pace
    // governs the upload, yet about a second of it, well inside the deadline on a loaded machine.
    Path pdf = bigPdf(8L * 1024 * 1024);
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
    // The deadline is 6 s; the drip would last for minutes. The margin is for a loaded machine.
    assertThat(millis).as("ended after %d ms (%s)", millis, outcome).isLessThan(12_000);
  }
}
