package io.github.eventbus.webhooks.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DailyFiles;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.webhooks.AttemptResult;
import io.github.eventbus.webhooks.DeliveryListener;
import io.github.eventbus.webhooks.DeliveryOutcome;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookDelivery;
import io.github.eventbus.webhooks.WebhookMessage;
import java.net.URI;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The promises of {@link WebhookClient} and its builder, through the public API only. */
class WebhookClientPromisesTest {

  static WebhookMessage message(String id) {
    return WebhookMessage.of(Event.builder(DynamicEvent.of("deployment", Map.of("n", id)))
        .id(id).timestamp(java.time.Instant.parse("2026-11-23T10:00:00Z")).build());
  }

  static void awaitAll(List<CompletableFuture<WebhookDelivery>> futures) throws Exception {
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
  }

  @Test
  void builder_eachOptionSetTwice_failsFast_namingTheOption() {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    EventBus bus = EventBus.builder().build();
    Map<String, Consumer<WebhookClient.Builder>> options = Map.ofEntries(
        Map.entry("timeouts", b -> b.timeouts(Duration.ofSeconds(1), Duration.ofSeconds(2))),
        Map.entry("retry", b -> b.retry(RetryPolicy.none())),
        Map.entry("maxRetryAfter", b -> b.maxRetryAfter(Duration.ofSeconds(1))),
        Map.entry("jitterSource", b -> b.jitterSource(() -> 0.5)),
        Map.entry("clock", b -> b.clock(Clock.systemUTC())),
        Map.entry("scheduler", b -> b.scheduler(scheduler)),
        Map.entry("publicAddressesOnly", WebhookClient.Builder::publicAddressesOnly),
        Map.entry("maxInFlightPerEndpoint", b -> b.maxInFlightPerEndpoint(2)),
        Map.entry("drainTimeout", b -> b.drainTimeout(Duration.ZERO)),
        Map.entry("deadLetters", b -> b.deadLetters(bus)),
        Map.entry("attemptLog", b -> b.attemptLog(Path.of("a.jsonl"))),
        Map.entry("outbox", b -> b.outbox(Path.of("o.jsonl"))),
        Map.entry("writeErrorHandler", b -> b.writeErrorHandler((file, problem, cause) -> { })));
    try {
      options.forEach((name, set) -> {
        WebhookClient.Builder b = WebhookClient.builder();
        set.accept(b);
        assertThatThrownBy(() -> set.accept(b)).as(name)
            .isInstanceOf(IllegalStateException.class).hasMessageContaining(name);
      });
    } finally {
      scheduler.shutdownNow();
      bus.close();
    }
  }

  @Test
  void builder_outOfRangeValues_failFast_namingTheParameter() {
    assertThatThrownBy(() -> WebhookClient.builder().timeouts(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connect");
    assertThatThrownBy(() -> WebhookClient.builder()
        .timeouts(Duration.ofSeconds(1), Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("request");
    assertThatThrownBy(() -> WebhookClient.builder().maxInFlightPerEndpoint(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlightPerEndpoint");
    assertThatThrownBy(() -> WebhookClient.builder().maxRetryAfter(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRetryAfter");
    assertThatThrownBy(() -> WebhookClient.builder().drainTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("drainTimeout");
    assertThatThrownBy(() -> WebhookClient.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("secret");
  }

  @Test
  void secretAndListener_addOneMoreEachTime_ratherThanFailing() {
    try (WebhookClient client = WebhookClient.builder().secret("one").secret("two")
        .listener(new DeliveryListener() {}).listener(new DeliveryListener() {}).build()) {
      assertThat(client.toString()).contains("2 secret(s)").doesNotContain("one", "two");
    }
  }

  @Test
  void afterClose_sendAndRedrive_throwIllegalState_andCloseIsIdempotent() {
    WebhookClient client = WebhookClient.builder().secret("s").build();
    client.close();
    client.close();
    assertThatThrownBy(() -> client.send(URI.create("http://127.0.0.1:9/x"), message("m")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> client.redrive("m")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void send_toAPortNoConnectionCanUse_throwsAtOnce_namingThePort() {
    try (WebhookClient client = WebhookClient.builder().secret("s").build()) {
      assertThatThrownBy(() -> client.send(URI.create("http://127.0.0.1:99999/h"), message("m")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port")
          .hasMessageContaining("99999");
    }
  }

  @Test
  void build_withTheOutboxAndTheAttemptLogOneFile_failsFast_andLeavesNoThreads(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("one-for-both.jsonl");
    Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), Files.writeString(file, ""));
    for (Path attempts : List.of(file, dir.resolve("x/../one-for-both.jsonl"), link)) {
      assertThatThrownBy(() -> WebhookClient.builder().secret("s").outbox(file)
          .attemptLog(attempts).build()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("outbox").hasMessageContaining("attemptLog");
    }
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName()
        .startsWith("jsonl-writer-one-for-both"));
    assertThat(Files.readString(file)).isEmpty();
  }

  @Test
  void build_withAnAttemptLogAnotherClientWrites_failsFast_andLeavesItsFileAlone(
      @TempDir Path dir) throws Exception {
    Path attempts = dir.resolve("attempts.jsonl");
    try (WebhookClient first = WebhookClient.builder().secret("s").retry(RetryPolicy.none())
        .attemptLog(attempts).build()) {
      first.send(URI.create("http://127.0.0.1:1/refused"), WebhookMessage.of(Event.builder(
          DynamicEvent.of("t", Map.of())).id("m1").timestamp(Instant.EPOCH).build()))
          .get(20, TimeUnit.SECONDS);
      first.flushLog();
      String written = Files.readString(attempts);
      assertThat(written).contains("\"m1\"");
      long writers = writerThreads("jsonl-writer-attempts.jsonl");
      assertThatThrownBy(() -> WebhookClient.builder().secret("s").attemptLog(attempts).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining(attempts.toString());
      // as an outbox, it would be read (its lines are no records) and rewritten: refused first
      assertThatThrownBy(() -> WebhookClient.builder().secret("s").outbox(attempts).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining(attempts.toString());
      assertThat(writerThreads("jsonl-writer-attempts.jsonl")).isEqualTo(writers);
      assertThat(Files.readString(attempts)).isEqualTo(written);
      assertThat(dir.resolve("attempts.jsonl.corrupt")).doesNotExist();
    }
    try (WebhookClient next = WebhookClient.builder().secret("s").attemptLog(attempts).build()) {
      assertThat(next.attemptLogStats()).isPresent();
    }
  }

  @Test
  void build_refusedForItsAttemptLog_leavesItsOwnOutboxAsItWas(@TempDir Path dir)
      throws Exception {
    Path taken = dir.resolve("taken.jsonl");
    Path outbox = Files.writeString(dir.resolve("outbox.jsonl"), "not a record\n");
    try (WebhookClient first = WebhookClient.builder().secret("s").outbox(taken).build()) {
      assertThatThrownBy(() -> WebhookClient.builder().secret("s").outbox(outbox)
          .attemptLog(taken).build()).isInstanceOf(IllegalStateException.class);
    }
    assertThat(Files.readString(outbox)).isEqualTo("not a record\n");
    assertThat(dir.resolve("outbox.jsonl.corrupt")).doesNotExist();
  }

  /** Named like another writer's daily file or roll-over: refused before anything is read. */
  @Test
  void build_onFilesNamedAsAnotherWritersFamily_leavesEveryFileAlone(@TempDir Path dir)
      throws Exception {
    Clock day = Clock.fixed(Instant.parse("2031-02-03T04:05:06Z"), ZoneOffset.UTC);
    Path audit = dir.resolve(DailyFiles.name("events", day));
    Path outbox = Files.writeString(dir.resolve("outbox.jsonl"), "not a record\n");
    try (JsonLinesWriter<String> daily = JsonLinesWriter.<String>daily(dir, "events",
            (line, g) -> g.writeString(line)).clock(day).build();
        JsonLinesWriter<String> rolling = JsonLinesWriter.<String>toFile(dir.resolve("state.jsonl"),
            (line, g) -> g.writeString(line)).maxFileBytes(1 << 20).build()) {
      daily.append("audited");
      daily.flush().get(20, TimeUnit.SECONDS);
      assertThatThrownBy(() -> WebhookClient.builder().secret("s").outbox(audit).build())
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> WebhookClient.builder().secret("s").outbox(outbox)
          .attemptLog(dir.resolve("state.1.jsonl")).build())
          .isInstanceOf(IllegalStateException.class);
    }
    assertThat(Files.readString(audit)).isEqualTo("\"audited\"\n");
    assertThat(Files.readString(outbox)).isEqualTo("not a record\n");
    assertThat(dir.resolve(audit.getFileName() + ".corrupt")).doesNotExist();
    assertThat(dir.resolve("outbox.jsonl.corrupt")).doesNotExist();
  }

  private static long writerThreads(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals(name)).count();
  }

  /** Files not there yet are compared where they would be: through links, not as text. */
  @Test
  void build_comparesFilesNotYetMade_whereOpeningThemWouldLead(@TempDir Path dir)
      throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    assertThatThrownBy(() -> WebhookClient.builder().secret("s")
        .outbox(real.resolve("both.jsonl")).attemptLog(link.resolve("both.jsonl")).build())
        .isInstanceOf(IllegalArgumentException.class);

    // deep/.. through a link to other/deep is other/, not here/: two files
    Path deep = Files.createDirectories(dir.resolve("other/deep"));
    Path here = Files.createDirectories(dir.resolve("here"));
    Path hop = Files.createSymbolicLink(here.resolve("hop"), deep);
    try (WebhookClient client = WebhookClient.builder().secret("s")
        .outbox(hop.resolve("../apart.jsonl")).attemptLog(here.resolve("apart.jsonl")).build()) {
      assertThat(client.outboxStats()).isPresent();
    }
    assertThat(dir.resolve("other/apart.jsonl")).exists();
  }

  @Test
  void withoutAnOutbox_resumedDeadIdsAndRedrive_areEmpty() {
    try (WebhookClient client = WebhookClient.builder().secret("s").build()) {
      assertThat(client.resumed()).isEmpty();
      assertThat(client.deadDeliveryIds()).isEmpty();
      assertThat(client.redrive("never-sent")).isEmpty();
      client.flushLog(); // no attempt log: returns
    }
  }

  @Test
  void withAnOutbox_redriveOfAnUnknownId_isEmpty(@TempDir Path dir) {
    try (WebhookClient client = WebhookClient.builder().secret("s")
        .outbox(dir.resolve("outbox.jsonl")).build()) {
      assertThat(client.redrive("never-sent")).isEmpty();
      assertThat(client.deadDeliveryIds()).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3}) // 0: the default of 8
  void requestsInFlightPerOrigin_neverExceedTheLimit_andReachIt(int configured) throws Exception {
    int limit = configured == 0 ? 8 : configured;
    int sends = limit * 3;
    try (HoldingEndpoint endpoint = HoldingEndpoint.holding(200)) {
      WebhookClient.Builder b = WebhookClient.builder().secret("s");
      if (configured > 0) {
        b.maxInFlightPerEndpoint(configured);
      }
      try (WebhookClient client = b.build()) {
        List<CompletableFuture<WebhookDelivery>> all = new ArrayList<>();
        for (int i = 0; i < sends; i++) {
          URI uri = endpoint.uri("/hook");
          // One origin however its scheme is spelled: the limit is not one per spelling.
          all.add(client.send(i % 2 == 0 ? uri : URI.create("HTTP" + uri.toString().substring(4)),
              message("m" + i)));
        }
        for (int released = 0; released < sends; released++) {
          assertThat(endpoint.awaitArrived(Math.min(released + limit, sends))).isTrue();
          endpoint.release(1);
        }
        awaitAll(all);
        assertThat(all).allSatisfy(f -> assertThat(f.join().outcome())
            .isEqualTo(DeliveryOutcome.DELIVERED));
        assertThat(endpoint.maxActive.get()).isEqualTo(limit);
        assertThat(endpoint.arrived.get()).isEqualTo(sends);
      }
    }
  }

  @Test
  void accepted_withoutAnOutbox_comesFirst_onTheThreadThatCalledSend() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    List<Thread> acceptedOn = new CopyOnWriteArrayList<>();
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(200);
        WebhookClient client = WebhookClient.builder().secret("s")
            .listener(new DeliveryListener() {
              @Override
              public void accepted(WebhookMessage message, URI target) {
                acceptedOn.add(Thread.currentThread());
                heard.add("accepted");
              }

              @Override
              public void attemptStarted(WebhookMessage message, URI target, int attempt) {
                heard.add("attemptStarted " + attempt);
              }
            }).build()) {
      WebhookDelivery d = client.send(endpoint.uri("/a"), message("m1")).get(20, TimeUnit.SECONDS);
      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      assertThat(acceptedOn).containsExactly(Thread.currentThread());
      assertThat(heard).startsWith("accepted", "attemptStarted 1");
    }
  }

  @Test
  void listeners_hearEventsInTheOrderAdded_afterTheClientsOwnDeadLetter() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().executor(Runnable::run).build();
        HoldingEndpoint endpoint = HoldingEndpoint.answering(422)) {
      bus.subscribe(DeadLetter.class, letter -> heard.add("dead letter"));
      try (WebhookClient client = WebhookClient.builder().secret("s").deadLetters(bus)
          .listener(rejectedAs("first", heard)).listener(rejectedAs("second", heard)).build()) {
        WebhookDelivery d = client.send(endpoint.uri("/a"), message("m1")).get(20, TimeUnit.SECONDS);
        assertThat(d.outcome()).isEqualTo(DeliveryOutcome.REJECTED);
        assertThat(d.lastStatus()).isEqualTo(422);
      }
    }
    assertThat(heard).containsExactly("dead letter", "first", "second");
  }

  private static DeliveryListener rejectedAs(String name, List<String> heard) {
    return new DeliveryListener() {
      @Override
      public void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
        heard.add(name);
      }
    };
  }

  @Test
  void aSchedulerOfYourOwn_waitsForTheRetries_andIsNeverShutDown() throws Exception {
    AtomicInteger scheduled = new AtomicInteger();
    ScheduledThreadPoolExecutor mine = new ScheduledThreadPoolExecutor(1) {
      @Override
      public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        scheduled.incrementAndGet();
        return super.schedule(task, delay, unit);
      }
    };
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(503, 200)) {
      try (WebhookClient client = WebhookClient.builder().secret("s").scheduler(mine)
          .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(10))
              .jitter(0).build()).build()) {
        WebhookDelivery d = client.send(endpoint.uri("/a"), message("m1")).get(20, TimeUnit.SECONDS);
        assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
        assertThat(d.attempts()).isEqualTo(2);
      }
      assertThat(scheduled.get()).isPositive();
      assertThat(mine.isShutdown()).isFalse();
    } finally {
      mine.shutdownNow();
    }
  }

  @Test
  void message_bodyIsACopy_andItsIdIsTheEventsId() {
    WebhookMessage m = message("evt-42");
    byte[] body = m.body();
    body[0] = 'X';
    assertThat(m.body()[0]).isEqualTo((byte) '{');
    assertThat(m.id()).isEqualTo("evt-42");
    assertThat(m.eventType()).isEqualTo("deployment");
  }

  @Test
  void clientThreads_areDaemons_andEndedWhenCloseReturns() throws Exception {
    List<Thread> before = List.copyOf(Thread.getAllStackTraces().keySet());
    List<Thread> ours = new ArrayList<>();
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(200)) {
      WebhookClient client = WebhookClient.builder().secret("s").build();
      client.send(endpoint.uri("/a"), message("m1")).get(20, TimeUnit.SECONDS);
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (!before.contains(t) && t.getName().startsWith("webhook-client-")) {
          ours.add(t);
        }
      }
      client.close();
    }
    assertThat(ours).extracting(Thread::getName).contains("webhook-client-timer");
    assertThat(ours).allSatisfy(t -> {
      assertThat(t.isDaemon()).as(t.getName()).isTrue();
      assertThat(t.isAlive()).as(t.getName()).isFalse();
    });
  }
}
