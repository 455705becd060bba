package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Against a real SMTP server (GreenMail) on 127.0.0.1 with an ephemeral port. */
class SmtpReportDistributorTest {

  @RegisterExtension
  static final GreenMailExtension smtp =
      new GreenMailExtension(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));

  @TempDir Path dir;

  private SmtpReportDistributor.Builder distributor() {
    return SmtpReportDistributor.builder("127.0.0.1", smtp.getSmtp().getPort())
        .from("reports@example.com");
  }

  @Test
  void handler_mailsTheReportToEachRecipient_asAttachment_andOneBadAddressDoesNotStopTheRest()
      throws Exception {
    Path pdf = Files.writeString(dir.resolve("daily.pdf"), "%PDF-1.7 daily");
    try (EventBus bus = EventBus.builder().build();
        ReportReadyHandler handler = ReportReadyHandler.builder().logRoot(dir.resolve("logs"))
            .distributor(distributor().build()).build()) {
      handler.register(bus);
      bus.publishSync(new ReportReady("daily_1", ReportType.DAILY, pdf.toString(), ReportFormat.PDF,
          null, null, List.of("a@example.com", "not an address", "b@example.com"), Map.of()));
      handler.flushLog();
      JsonNode line = LogLines.read(dir.resolve("logs/reports/report_generations.jsonl")).get(0);
      assertThat(line.get("data").get("recipients")).extracting(JsonNode::asText)
          .containsExactly("a@example.com", "not an address", "b@example.com");
      assertThat(line.get("distribution")).extracting(
              r -> r.get("recipient").asText() + " " + r.get("status").asText())
          .containsExactly("a@example.com sent", "not an address failed", "b@example.com sent");
    }

    MimeMessage[] received = smtp.getReceivedMessages();
    assertThat(received).hasSize(2);
    assertThat(received).extracting(m -> m.getAllRecipients()[0].toString())
        .containsExactlyInAnyOrder("a@example.com", "b@example.com");
    MimeMessage first = received[0];
    assertThat(first.getSubject()).isEqualTo("Report ready: daily_1 (daily)");
    Multipart parts = (Multipart) first.getContent();
    assertThat(parts.getCount()).isEqualTo(2);
    assertThat(parts.getBodyPart(1).getFileName()).isEqualTo("daily.pdf");
    assertThat(new String(parts.getBodyPart(1).getInputStream().readAllBytes(),
        StandardCharsets.UTF_8))
        .isEqualTo("%PDF-1.7 daily");
  }

  /** "No limit" written as the largest Duration: the mail still goes, with no overflowed deadline. */
  @Test
  void hugeTimeouts_build_andTheReportIsStillSent() throws Exception {
    Path pdf = Files.writeString(dir.resolve("weekly.pdf"), "%PDF-1.7 weekly");
    Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
    try (EventBus bus = EventBus.builder().build();
        ReportReadyHandler handler = ReportReadyHandler.builder().logRoot(dir.resolve("logs"))
            .distributor(distributor().timeouts(forever, forever).build()).build()) {
      handler.register(bus);
      bus.publishSync(new ReportReady("weekly_1", ReportType.WEEKLY, pdf.toString(),
          ReportFormat.PDF, null, null, List.of("a@example.com"), Map.of()));
      handler.flushLog();
      JsonNode line = LogLines.read(dir.resolve("logs/reports/report_generations.jsonl")).get(0);
      assertThat(line.get("distribution")).extracting(r -> r.get("status").asText())
          .containsExactly("sent");
    }
    assertThat(smtp.getReceivedMessages()).hasSize(1);
  }

  @Test
  void sending_startsNoThreadThatIsUnnamedOrKeepsTheJvmAlive() throws Exception {
    Path pdf = Files.writeString(dir.resolve("t.pdf"), "%PDF-1.7 threads");
    ReportReady report = new ReportReady("t_1", ReportType.DAILY, pdf.toString(), ReportFormat.PDF,
        null, null, List.of("a@example.com"), Map.of());
    Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
    Thread sender;
    try (StallingSmtpServer server = new StallingSmtpServer()) {
      SmtpReportDistributor mail = SmtpReportDistributor.builder("127.0.0.1", server.port())
          .from("reports@example.com").timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60))
          .build();
      sender = new Thread(() -> {
        try {
          mail.distribute(report, pdf, "a@example.com");
        } catch (Exception expected) {
          // the server never answers the message's end, then closes
        }
      }, "probe-sender");
      sender.start();
      // Everything is written; the client waits for the answer, its write timer still there.
      assertThat(server.awaitMessageEnd(20)).isTrue();
      List<Thread> started = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> !before.contains(t) && !t.getName().startsWith("probe-")).toList();
      assertThat(started).allSatisfy(t -> {
        assertThat(t.getName()).doesNotMatch("pool-\\d+-thread-\\d+");
        assertThat(t.isDaemon()).as(t.getName()).isTrue();
      });
    }
    sender.join(20_000);
    assertThat(sender.isAlive()).isFalse();
  }

  /**
   * Neither the EHLO name nor the Message-ID needs the machine's host name (a DNS lookup outside
   * the exchange's deadline): the first is heloName, the second takes the sender's domain.
   */
  @Test
  void heloName_namesTheClient_andTheMessageIdTakesTheSendersDomain() throws Exception {
    Path pdf = Files.writeString(dir.resolve("h.pdf"), "%PDF-1.7 helo");
    ReportReady report = new ReportReady("h_1", ReportType.DAILY, pdf.toString(), ReportFormat.PDF,
        null, null, List.of("a@example.com"), Map.of());
    try (StallingSmtpServer server = new StallingSmtpServer()) {
      SmtpReportDistributor mail = SmtpReportDistributor.builder("127.0.0.1", server.port())
          .from("reports@example.com").heloName("mailer.example.org")
          .timeouts(Duration.ofSeconds(5), Duration.ofMillis(500)).build();
      assertThatThrownBy(() -> mail.distribute(report, pdf, "a@example.com"))
          .as("the server never answers the message's end").isNotNull();
      assertThat(server.awaitMessageEnd(20)).isTrue();
      assertThat(server.lines).contains("EHLO mailer.example.org")
          .filteredOn(l -> l.regionMatches(true, 0, "Message-ID:", 0, 11)).singleElement()
          .asString().endsWith("@example.com>");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "two words", "a\r\nRSET", "mailer.example.org.", "[1.2.3.4",
      "caf\u00e9.example"})
  void heloName_thatIsNoDomainOrAddressLiteral_isRefused(String name) {
    assertThatThrownBy(() -> distributor().heloName(name))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heloName");
  }

  @ParameterizedTest
  @ValueSource(strings = {"mailer", "mail-1.example.org", "[192.0.2.7]", "[IPv6:2001:db8::1]"})
  void heloName_aDomainOrAnAddressLiteral_isTaken(String name) {
    assertThat(distributor().heloName(name).build()).isNotNull();
  }

  @Test
  void largeFilesAndLinkMode_sendALinkInsteadOfTheFile() throws Exception {
    Path pdf = Files.writeString(dir.resolve("big.pdf"), "%PDF-1.7 " + "x".repeat(100));
    ReportReady report = new ReportReady("big_1", ReportType.MONTHLY, pdf.toString(),
        ReportFormat.PDF, null, null, List.of(), Map.of());

    distributor().maxAttachmentBytes(50).build().distribute(report, pdf, "a@example.com");
    distributor().linkInsteadOfAttaching(p -> "https://files.example.com/" + p.getFileName())
        .build().distribute(report, pdf, "b@example.com");

    MimeMessage[] received = smtp.getReceivedMessages();
    assertThat(received).hasSize(2);
    for (MimeMessage m : received) {
      Multipart parts = (Multipart) m.getContent();
      assertThat(parts.getCount()).isEqualTo(1);
    }
    assertThat(((Multipart) received[0].getContent()).getBodyPart(0).getContent().toString())
        .contains("It is available at: " + pdf.toAbsolutePath());
    assertThat(((Multipart) received[1].getContent()).getBodyPart(0).getContent().toString())
        .contains("https://files.example.com/big.pdf");
  }

  /** A class loader of the test class path without the jars whose names match {@code drop}. */
  private static URLClassLoader classPathWithout(String drop) {
    String classPath = System.getProperty("java.class.path");
    URL[] kept = Arrays.stream(classPath.split(File.pathSeparator))
        .map(Path::of)
        .filter(entry -> !entry.getFileName().toString().matches(drop))
        .map(entry -> {
          try {
            return entry.toUri().toURL();
          } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
          }
        })
        .toArray(URL[]::new);
    return new URLClassLoader(kept, ClassLoader.getPlatformClassLoader());
  }

  @Test
  void builder_withoutJakartaMailOnTheClassPath_saysWhichDependencyToAdd() throws Exception {
    try (URLClassLoader loader = classPathWithout(".*(mail|activation).*")) {
      assertThatThrownBy(() -> Class.forName("jakarta.mail.Session", false, loader))
          .isInstanceOf(ClassNotFoundException.class);
      Method builder = Class.forName(SmtpReportDistributor.class.getName(), true, loader)
          .getMethod("builder", String.class, int.class);

      assertThatThrownBy(() -> builder.invoke(null, "smtp.example.com", 587))
          .isInstanceOf(InvocationTargetException.class)
          .cause()
          .hasMessageContaining("org.eclipse.angus:angus-mail")
          .satisfies(e -> assertThat(e.getClass().getName())
              .isEqualTo(HandlerException.class.getName()));
    }
  }

  @Test
  void build_withTheApiButNoImplementation_saysWhichDependencyToAdd() throws Exception {
    // Regression: jakarta.mail-api without Angus failed in build() with an IllegalStateException
    // about a missing StreamProvider.
    try (URLClassLoader loader = classPathWithout(".*angus.*")) {
      Class.forName("jakarta.mail.Session", false, loader); // the API is there
      Object builder = Class.forName(SmtpReportDistributor.class.getName(), true, loader)
          .getMethod("builder", String.class, int.class).invoke(null, "smtp.example.com", 587);
      builder.getClass().getMethod("from", String.class).invoke(builder, "reports@example.com");
      Method build = builder.getClass().getMethod("build");

      assertThatThrownBy(() -> build.invoke(builder))
          .isInstanceOf(InvocationTargetException.class)
          .cause()
          .hasMessageContaining("no implementation")
          .hasMessageContaining("org.eclipse.angus:angus-mail")
          .satisfies(e -> assertThat(e.getClass().getName())
              .isEqualTo(HandlerException.class.getName()));
    }
  }

  @Test
  void aServerThatNeverEndsItsGreeting_failsTheMessage_withinBoundedMemory() throws Exception {
    // Regression: Jakarta Mail keeps a reply line until it ends; a server sending an endless
    // one filled the heap (an OutOfMemoryError on the bus worker) well within the deadline.
    Path pdf = Files.writeString(dir.resolve("f.pdf"), "%PDF-1.7");
    ReportReady report = new ReportReady("f", ReportType.DAILY, pdf.toString(), ReportFormat.PDF,
        null, null, List.of(), Map.of());
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      Thread flood = new Thread(() -> {
        try (java.net.Socket s = server.accept()) {
          byte[] chunk = new byte[64 * 1024];
          Arrays.fill(chunk, (byte) 'A');
          s.getOutputStream().write("220-".getBytes(StandardCharsets.US_ASCII));
          while (true) {
            s.getOutputStream().write(chunk); // until the client gives up and closes
          }
        } catch (java.io.IOException closed) {
          // the client closed the connection
        }
      }, "smtp-flood");
      flood.setDaemon(true); // never outlives the test run, whatever fails first
      flood.start();
      SmtpReportDistributor mail = SmtpReportDistributor.builder("127.0.0.1", server.getLocalPort())
          .from("reports@example.com").timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10))
          .build();

      assertThatThrownBy(() -> mail.distribute(report, pdf, "a@example.com"))
          .satisfies(e -> assertThat(chain(e)).contains("more than 1048576 bytes"));
      flood.join(10_000);
      assertThat(flood.isAlive()).isFalse();
    }
  }

  private static String chain(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t).append('\n');
    }
    return all.toString();
  }

  @Test
  void aGroupAddress_isNotOneRecipient_andNothingIsSent() throws Exception {
    // Regression: "team: a@x, b@y;" was mailed to every member and logged as one "sent".
    Path pdf = Files.writeString(dir.resolve("g.pdf"), "%PDF-1.7");
    ReportReady report = new ReportReady("g", ReportType.DAILY, pdf.toString(), ReportFormat.PDF,
        null, null, List.of(), Map.of());

    assertThatThrownBy(() -> distributor().build().distribute(report, pdf,
        "team: v1@example.com, v2@example.org;"))
        .isInstanceOf(jakarta.mail.internet.AddressException.class)
        .hasMessageContaining("group");
    assertThat(smtp.getReceivedMessages()).isEmpty();
  }

  @Test
  void aLineBreakInTheAttachedFilesName_cannotAddAHeaderToItsPart() throws Exception {
    Path pdf = Files.writeString(dir.resolve("rep\r\nX-Injected: yes\r\n.pdf"), "%PDF-1.7");
    ReportReady report = new ReportReady("i", ReportType.DAILY, pdf.toString(), ReportFormat.PDF,
        null, null, List.of(), Map.of());

    distributor().build().distribute(report, pdf, "a@example.com");

    MimeMessage received = smtp.getReceivedMessages()[0];
    jakarta.mail.BodyPart attachment = ((Multipart) received.getContent()).getBodyPart(1);
    assertThat(attachment.getFileName()).isEqualTo("rep__X-Injected: yes__.pdf");
    assertThat(attachment.getHeader("X-Injected")).isNull();
  }

  @Test
  void dateHeader_comesFromTheClock_inUtc_whateverTheJvmsTimeZone() throws Exception {
    Path pdf = Files.writeString(dir.resolve("d.pdf"), "%PDF-1.7");
    ReportReady report = new ReportReady("d", ReportType.DAILY, pdf.toString(), ReportFormat.PDF,
        null, null, List.of(), Map.of());
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T23:30:00Z"));
    TimeZone zone = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("Pacific/Kiritimati")); // UTC+14: another day there
    try {
      distributor().clock(clock).build().distribute(report, pdf, "a@example.com");
    } finally {
      TimeZone.setDefault(zone);
    }

    assertThat(smtp.getReceivedMessages()).singleElement().satisfies(m ->
        assertThat(m.getHeader("Date")).containsExactly("Mon, 23 Nov 2026 23:30:00 GMT"));
  }

  @Test
  void toString_neverShowsThePassword() {
    String text = distributor().credentials("reports", "s3cr3t-pw").build().toString();
    assertThat(text).contains("user=reports").doesNotContain("s3cr3t-pw");
  }
}
