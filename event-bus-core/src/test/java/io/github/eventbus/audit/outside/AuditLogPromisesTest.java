package io.github.eventbus.audit.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DailyFiles;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.TestThreads;
import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.audit.AuditLogException;
import io.github.eventbus.jsonl.Durability;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.outside.BuilderPromises;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promises of {@link AuditLog} and its builder, tested through the public API only. */
class AuditLogPromisesTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2031-02-03T04:05:06Z"), ZoneOffset.UTC);
  /** Today's audit file by {@link #CLOCK}, named as the log names it. */
  private static final String TODAY = DailyFiles.name("events", CLOCK);

  /** A payload. */
  record Note(String text) {}

  /** A payload whose accessor throws, so that no mapper can serialise it. */
  record Bomb(String text) {
    @Override
    public String text() {
      throw new IllegalStateException("cannot be read");
    }
  }

  /** A payload whose accessor fails with an Error, as a broken class or an assertion would. */
  record Broken(String text) {
    @Override
    public String text() {
      throw new AssertionError("a bug in the payload class");
    }
  }

  @TempDir Path dir;
  private final ObjectMapper json = new ObjectMapper();

  private static <T> Event<T> event(T payload) {
    return Event.builder(payload).id("id-" + payload.hashCode()).timestamp(CLOCK.instant())
        .source("promises").build();
  }

  private List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      nodes.add(json.readTree(line));
    }
    return nodes;
  }

  private void assertRefused(Consumer<AuditLog.Builder> set, Class<? extends Throwable> type,
      String parameter) {
    AuditLog.Builder b = AuditLog.builder(dir);
    assertThatThrownBy(() -> set.accept(b)).isInstanceOf(type).hasMessageContaining(parameter);
  }

  @Test
  void builder_outOfRangeValues_failFast_namingTheParameter() {
    assertRefused(b -> b.maxFileBytes(0), IllegalArgumentException.class, "maxFileBytes");
    assertRefused(b -> b.acknowledge(Duration.ZERO), IllegalArgumentException.class, "acknowledge");
    assertRefused(b -> b.retryDelay(Duration.ofMillis(-1)), IllegalArgumentException.class,
        "retryDelay");
    assertRefused(b -> b.closeTimeout(Duration.ofNanos(-1)), IllegalArgumentException.class,
        "closeTimeout");
    assertRefused(b -> b.include("risk_[alert"), IllegalArgumentException.class, "risk_[alert");
    assertThatThrownBy(() -> AuditLog.builder(null)).hasMessageContaining("directory");
    AuditLog.builder(dir).closeTimeout(Duration.ZERO); // "zero or more"
  }

  @Test
  void builder_everyOptionSetTwice_failsFast_namingTheOption() {
    BuilderPromises.eachOptionOnce(() -> AuditLog.builder(dir),
        Map.<String, Consumer<AuditLog.Builder>>of(
        "include", b -> b.include("a.*"),
        "durability", b -> b.durability(Durability.FSYNC),
        "maxFileBytes", b -> b.maxFileBytes(100),
        "clock", b -> b.clock(CLOCK),
        "errorHandler", b -> b.errorHandler((f, p, c) -> { }),
        "acknowledge", b -> b.acknowledge(Duration.ofSeconds(1)),
        "mapper", b -> b.mapper(JsonLinesWriter.defaultMapper()),
        "retryDelay", b -> b.retryDelay(Duration.ofSeconds(1)),
        "closeTimeout", b -> b.closeTimeout(Duration.ofSeconds(1))));
  }

  @Test
  void record_afterClose_throwsIllegalState_andCloseAgainIsHarmless() throws Exception {
    AuditLog log = AuditLog.builder(dir).clock(CLOCK).build();
    log.record(event(new Note("before")));
    log.close();
    log.close();
    assertThatThrownBy(() -> log.record(event(new Note("after"))))
        .isInstanceOf(IllegalStateException.class);
    assertThat(lines(dir.resolve(TODAY))).hasSize(1);
    assertThat(log.stats().written()).isEqualTo(1);
  }

  @Test
  void currentFile_isTodaysDailyFile_byTheLogsClock() {
    try (AuditLog log = AuditLog.builder(dir).clock(CLOCK).build()) {
      assertThat(log.currentFile()).isEqualTo(dir.resolve(TODAY));
    }
  }

  @Test
  void unserialisablePayload_isReportedToTheErrorHandler_andOnlyItsLineIsSkipped()
      throws Exception {
    List<String> problems = new CopyOnWriteArrayList<>();
    try (AuditLog log = AuditLog.builder(dir).clock(CLOCK)
        .errorHandler((f, problem, cause) -> problems.add(problem)).build()) {
      log.record(event(new Note("one")));
      log.record(event(new Bomb("boom")));
      log.record(event(new Note("three")));
      log.flush().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(log.stats().unencodable()).isEqualTo(1);
      assertThat(log.stats().written()).isEqualTo(2);
    }
    assertThat(lines(dir.resolve(TODAY)))
        .extracting(n -> n.get("data").get("text").asText()).containsExactly("one", "three");
    assertThat(problems).hasSize(1);
  }

  @Test
  void busPublish_ofAPayloadTheAcknowledgedLogCannotEncode_throws_andIsNotDelivered()
      throws Exception {
    List<String> delivered = new CopyOnWriteArrayList<>();
    try (AuditLog log = AuditLog.builder(dir).clock(CLOCK).acknowledge(WAIT)
        .errorHandler((f, p, c) -> { }).build();
        EventBus bus = EventBus.builder().auditLog(log).build()) {
      bus.subscribe(Object.class, e -> delivered.add(e.getClass().getSimpleName()));
      assertThatThrownBy(() -> bus.publishSync(new Bomb("boom")))
          .isInstanceOf(AuditLogException.class);
      assertThatThrownBy(() -> bus.publish(new Bomb("boom")))
          .isInstanceOf(AuditLogException.class);
      bus.publishSync(new Note("after"));
      assertThat(log.stats().unencodable()).isEqualTo(2);
    }
    assertThat(delivered).containsExactly("Note");
  }

  @Test
  void acknowledgedRecord_onADirectoryThatCannotBeWritten_throwsAuditLogExceptionInTime()
      throws Exception {
    Path logDir = dir.resolve("audit");
    CountDownLatch reported = new CountDownLatch(1);
    try (AuditLog log = AuditLog.builder(logDir).clock(CLOCK).acknowledge(Duration.ofMillis(200))
        .retryDelay(Duration.ofMillis(50)).closeTimeout(Duration.ZERO)
        .errorHandler((f, p, c) -> reported.countDown()).build()) {
      Files.writeString(logDir, "a file where the log's directory should be");
      Event<Note> event = event(new Note("lost"));
      assertThatThrownBy(() -> log.record(event)).isInstanceOf(AuditLogException.class)
          .hasMessageContaining(event.id());
      assertThat(reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void busPublish_whoseAcknowledgedLineCannotBeWritten_throws_andTheEventIsNotDelivered()
      throws Exception {
    Path logDir = Files.createDirectories(dir.resolve("audit")).resolve("events");
    List<String> delivered = new CopyOnWriteArrayList<>();
    CountDownLatch markerSeen = new CountDownLatch(1);
    try (AuditLog log = AuditLog.builder(logDir).clock(CLOCK).acknowledge(Duration.ofMillis(200))
        .retryDelay(Duration.ofMillis(20)).errorHandler((f, p, c) -> { }).build()) {
      EventBus bus = EventBus.builder().auditLog(log).build();
      bus.subscribe(Note.class, n -> {
        delivered.add(n.text());
        if (n.text().equals("marker")) {
          markerSeen.countDown();
        }
      });
      Files.writeString(logDir, "a file where the log's directory should be");
      assertThatThrownBy(() -> bus.publish(new Note("refused")))
          .isInstanceOf(AuditLogException.class);
      Files.delete(logDir);
      publishOnceTheLogRecovers(bus, new Note("marker"));
      assertThat(markerSeen.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      bus.close();
    }
    assertThat(delivered).containsExactly("marker");
    assertThat(lines(logDir.resolve(TODAY)))
        .extracting(n -> n.get("data").get("text").asText()).contains("marker");
  }

  /**
   * Publishes until the audit log acknowledges in time: the writer, still waiting out its retry
   * delay, may need longer than the acknowledgement's 200 ms on a loaded machine. A refused
   * attempt is not delivered, so the caller's delivery assertions still hold.
   */
  private static void publishOnceTheLogRecovers(EventBus bus, Note note) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        bus.publish(note);
        return;
      } catch (AuditLogException notYet) {
        if (System.nanoTime() - deadline > 0) {
          throw notYet;
        }
      }
    }
  }

  @Test
  void busLog_sourceDefaultsToTheBusName() throws Exception {
    Path logDir = dir.resolve("audit");
    try (AuditLog log = AuditLog.builder(logDir).clock(CLOCK).acknowledge(WAIT).build()) {
      EventBus bus = EventBus.builder().name("metrics").auditLog(log).build();
      bus.publish(new Note("n"));
      bus.close();
    }
    assertThat(lines(logDir.resolve(TODAY)))
        .extracting(n -> n.get("source").asText()).containsExactly("metrics");
  }

  @Test
  void build_directoryUnderARegularFile_isRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("plain"), "not a directory");
    assertThatThrownBy(() -> AuditLog.builder(file.resolve("events")).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void acknowledgedFsync_theLineIsInTheFileWhenRecordReturns() throws Exception {
    try (AuditLog log = AuditLog.builder(dir).clock(CLOCK).durability(Durability.FSYNC)
        .acknowledge(WAIT).build()) {
      log.record(event(new Note("durable")));
      assertThat(lines(dir.resolve(TODAY)))
          .extracting(n -> n.get("data").get("text").asText()).containsExactly("durable");
    }
  }

  @Test
  void writesFailingPastAFullBuffer_publishersWait_andNothingIsDropped() throws Exception {
    Path logDir = Files.createDirectories(dir.resolve("audit")).resolve("events");
    int events = 80_000; // more than the buffer of 65,536 plus a batch of 4,096
    CountDownLatch failing = new CountDownLatch(2);
    try (AuditLog log = AuditLog.builder(logDir).clock(CLOCK).retryDelay(Duration.ofMillis(20))
        .errorHandler((f, p, c) -> failing.countDown()).build()) {
      EventBus bus = EventBus.builder().auditLog(log).build();
      Files.writeString(logDir, "a file where the log's directory should be");
      CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < events; i++) {
          bus.publish(new Note("n" + i));
        }
      });
      assertThat(failing.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(TestThreads.await(
          () -> log.stats().appended() >= 65_536, WAIT)).isTrue();
      assertThat(publisher).as("waits while the buffer is full").isNotDone();
      Files.delete(logDir);
      publisher.get(WAIT.toSeconds() * 3, TimeUnit.SECONDS);
      log.flush().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      bus.close();
      assertThat(log.stats().written()).isEqualTo(events);
      assertThat(log.stats().dropped()).isZero();
    }
    assertThat(Files.readAllLines(logDir.resolve(TODAY))).hasSize(events);
  }

  @Test
  void record_afterClose_throwsIllegalState_evenForAnEventItWouldNotLog() {
    AuditLog log = AuditLog.builder(dir).clock(CLOCK).include("audited").build();
    log.close();
    assertThatThrownBy(() -> log.record(event(new Note("excluded type"))))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void payloadFailingWithAnError_isReportedAndSkipped_andLaterEventsAreStillLogged()
      throws Exception {
    List<String> problems = new CopyOnWriteArrayList<>();
    try (AuditLog log = AuditLog.builder(dir).clock(CLOCK).closeTimeout(Duration.ZERO)
        .errorHandler((f, problem, cause) -> problems.add(problem)).build()) {
      log.record(event(new Broken("boom")));
      log.flush().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      log.record(event(new Note("after")));
      log.flush().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(log.stats().unencodable()).isEqualTo(1);
    }
    assertThat(lines(dir.resolve(TODAY)))
        .extracting(n -> n.get("data").get("text").asText()).containsExactly("after");
    assertThat(problems).hasSize(1);
  }

  @Test
  void secondBus_fromOneBuilderWithAuditLogDir_isRefused_untilTheFirstIsClosed() throws Exception {
    var builder = EventBus.builder().clock(CLOCK).auditLog(dir);
    try (EventBus first = builder.build()) {
      assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("events_YYYYMMDD.jsonl");
      first.publishSync(new Note("first"));
    }
    try (EventBus next = builder.build()) {
      next.publishSync(new Note("next"));
    }
    assertThat(lines(dir.resolve(TODAY)))
        .extracting(n -> n.get("data").get("text").asText()).containsExactly("first", "next");
  }
}
