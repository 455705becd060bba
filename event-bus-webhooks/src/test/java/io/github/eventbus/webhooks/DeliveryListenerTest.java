package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.ManualClock;
import io.github.eventbus.ManualScheduler;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.TestFiles;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener hears each delivery's events in order; a throwing listener changes nothing. */
class DeliveryListenerTest {

  private final ScriptedServer server = new ScriptedServer();
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<String> heard = new CopyOnWriteArrayList<>();

  /** Records every event as one short line. */
  private final DeliveryListener recorder = new DeliveryListener() {
    @Override
    public void accepted(WebhookMessage message, URI endpoint) {
      heard.add("accepted " + message.id());
    }

    @Override
    public void attemptStarted(WebhookMessage message, URI endpoint, int attempt) {
      heard.add("started " + attempt);
    }

    @Override
    public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
      heard.add("finished " + attempt.attempt() + " " + attempt.status());
    }

    @Override
    public void retryScheduled(WebhookMessage message, AttemptResult attempt, Instant at) {
      heard.add("retry at " + at);
    }

    @Override
    public void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
      heard.add("delivered " + result.attempts());
    }

    @Override
    public void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
      heard.add("rejected " + result.lastStatus());
    }

    @Override
    public void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
      heard.add("exhausted " + result.attempts());
    }

    @Override
    public void abandoned(WebhookMessage message, WebhookDelivery result, boolean keptInOutbox) {
      heard.add("abandoned " + keptInOutbox);
    }
  };

  /** Throws from every event. */
  private static final DeliveryListener BROKEN = new DeliveryListener() {
    @Override
    public void accepted(WebhookMessage message, URI endpoint) {
      throw new IllegalStateException("listener bug");
    }

    @Override
    public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
      throw new IllegalStateException("listener bug");
    }

    @Override
    public void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
      throw new IllegalStateException("listener bug");
    }
  };

  @AfterEach
  void stop() {
    server.close();
  }

  private WebhookClient client(int attempts) {
    return WebhookClient.builder().secret("s3cret").clock(clock).scheduler(scheduler)
        .retry(RetryPolicy.builder().maxAttempts(attempts).initialDelay(Duration.ofSeconds(2))
            .jitter(0).build())
        .listener(BROKEN).listener(recorder).drainTimeout(Duration.ZERO).build();
  }

  private static WebhookMessage message(String id) {
    return WebhookMessage.of(Event.builder(DynamicEvent.of("t", Map.of())).id(id)
        .timestamp(Instant.EPOCH).build());
  }

  @Test
  void retryThenSuccess_isHeardInOrder_despiteAListenerThatThrows() throws Exception {
    server.script(ScriptedServer.Reply.of(503));
    try (LogCapture logs = new LogCapture(WebhookClient.class);
        WebhookClient client = client(3)) {
      CompletableFuture<WebhookDelivery> f = client.send(server.uri("/h"), message("m1"));
      server.next();
      assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
      scheduler.advance(Duration.ofSeconds(2));
      assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      // it threw four times within the minute: one line
      assertThat(logs.lines(ch.qos.logback.classic.Level.WARN)).singleElement()
          .satisfies(line -> assertThat(line).contains("listener", "threw from accepted"));
    }
    assertThat(heard).containsExactly("accepted m1", "started 1", "finished 1 503",
        "retry at 2026-11-23T10:00:02Z", "started 2", "finished 2 200", "delivered 2");
  }

  /**
   * A scheduler of the user's only wakes a retry: the attempt, and so its listener calls, run on
   * the client's threads, not on the thread that ran the scheduled task.
   */
  @Test
  void aRetryWokenByYourScheduler_startsOnTheClientsThreads() throws Exception {
    server.script(ScriptedServer.Reply.of(503));
    List<String> starts = new CopyOnWriteArrayList<>();
    CountDownLatch second = new CountDownLatch(1);
    try (WebhookClient client = WebhookClient.builder().secret("s3cret").clock(clock)
        .scheduler(scheduler).retry(RetryPolicy.builder().maxAttempts(2)
            .initialDelay(Duration.ofSeconds(2)).jitter(0).build())
        .listener(new DeliveryListener() {
          @Override
          public void attemptStarted(WebhookMessage message, URI endpoint, int attempt) {
            starts.add(attempt + " " + Thread.currentThread().getName());
            if (attempt == 2) {
              second.countDown();
            }
          }
        }).build()) {
      CompletableFuture<WebhookDelivery> f = client.send(server.uri("/h"), message("m"));
      assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
      scheduler.advance(Duration.ofSeconds(2)); // runs the scheduled task on this thread
      assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    }
    assertThat(starts).hasSize(2).last().asString().matches("2 webhook-client-\\d+");
  }

  @Test
  void rejectedExhaustedAndAbandoned_areHeard() throws Exception {
    server.script(ScriptedServer.Reply.of(404), ScriptedServer.Reply.of(500),
        ScriptedServer.Reply.of(503));
    try (WebhookClient client = client(1)) {
      assertThat(client.send(server.uri("/h"), message("r")).get(10, TimeUnit.SECONDS).outcome())
          .isEqualTo(DeliveryOutcome.REJECTED);
      assertThat(client.send(server.uri("/h"), message("x")).get(10, TimeUnit.SECONDS).outcome())
          .isEqualTo(DeliveryOutcome.EXHAUSTED);
    }
    try (WebhookClient client = client(5)) {
      CompletableFuture<WebhookDelivery> f = client.send(server.uri("/h"), message("a"));
      assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
      client.close(); // the retry is 2 s away by the manual clock, past a zero drain
      assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
    }
    assertThat(heard).contains("rejected 404", "exhausted 1", "abandoned false");
  }

  /**
   * Answers, refusals and errors are heard on the client's threads: the JDK completes its calls on
   * its shared pool (or a new thread for each, where that pool has one thread).
   */
  @Test
  void outcomes_areHeardOnTheClientsThreads_notTheJdksSharedPool() throws Exception {
    server.script(ScriptedServer.Reply.of(200), ScriptedServer.Reply.of(404),
        ScriptedServer.Reply.of(500));
    Set<String> threads = new ConcurrentSkipListSet<>();
    DeliveryListener where = new DeliveryListener() {
      @Override
      public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
        threads.add(Thread.currentThread().getName());
      }

      @Override
      public void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
        threads.add(Thread.currentThread().getName());
      }

      @Override
      public void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
        threads.add(Thread.currentThread().getName());
      }

      @Override
      public void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
        threads.add(Thread.currentThread().getName());
      }
    };
    URI refusing;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      refusing = URI.create("http://127.0.0.1:" + closed.getLocalPort() + "/h");
    }
    List<DeliveryOutcome> outcomes = new ArrayList<>();
    try (WebhookClient client = WebhookClient.builder().secret("s3cret")
        .retry(RetryPolicy.builder().maxAttempts(1).build()).listener(where).build()) {
      for (int i = 0; i < 3; i++) {
        outcomes.add(client.send(server.uri("/h"), message("m" + i)).get(10, TimeUnit.SECONDS)
            .outcome());
      }
      outcomes.add(client.send(refusing, message("refused")).get(10, TimeUnit.SECONDS).outcome());
    }
    assertThat(outcomes).containsExactly(DeliveryOutcome.DELIVERED, DeliveryOutcome.REJECTED,
        DeliveryOutcome.EXHAUSTED, DeliveryOutcome.EXHAUSTED);
    assertThat(threads).isNotEmpty().allSatisfy(name -> assertThat(name)
        .matches("webhook-client-\\d+"));
  }

  /** Throws an Error from every callback. */
  private static final DeliveryListener ERRORS = new DeliveryListener() {
    @Override
    public void accepted(WebhookMessage message, URI endpoint) {
      throw new AssertionError("listener error in accepted");
    }

    @Override
    public void attemptStarted(WebhookMessage message, URI endpoint, int attempt) {
      throw new AssertionError("listener error in attemptStarted");
    }

    @Override
    public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
      throw new AssertionError("listener error in attemptFinished");
    }

    @Override
    public void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
      throw new AssertionError("listener error in delivered");
    }
  };

  @Test
  void aListenerThrowingErrors_changesNoDelivery_leavesTheGateOpen_andHandsTheErrorsOn()
      throws Exception {
    List<Throwable> handedOn = new CopyOnWriteArrayList<>();
    Thread me = Thread.currentThread();
    Thread.UncaughtExceptionHandler before = me.getUncaughtExceptionHandler();
    me.setUncaughtExceptionHandler((t, e) -> handedOn.add(e));
    List<CompletableFuture<WebhookDelivery>> sent = new java.util.ArrayList<>();
    try (LogCapture logs = new LogCapture(WebhookClient.class);
        WebhookClient client = WebhookClient.builder().secret("s3cret")
            .maxInFlightPerEndpoint(1).listener(ERRORS).listener(recorder).build()) {
      for (int i = 0; i < 3; i++) { // one at a time through the gate: a stuck permit stops all
        sent.add(client.send(server.uri("/h"), message("e" + i)));
      }
      for (CompletableFuture<WebhookDelivery> f : sent) {
        assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      }
      assertThat(logs.lines(ch.qos.logback.classic.Level.WARN)).isNotEmpty()
          .allSatisfy(line -> assertThat(line).contains("listener"));
    } finally {
      me.setUncaughtExceptionHandler(before);
    }
    assertThat(heard).filteredOn(h -> h.startsWith("delivered")).hasSize(3);
    // accepted and the first attemptStarted run on the sending thread: their errors reach its
    // handler (the others reach the client's threads' handlers)
    assertThat(handedOn).extracting(Throwable::getMessage)
        .contains("listener error in accepted", "listener error in attemptStarted");
  }

  @Test
  void aJitterSourceThatThrows_meansNoJitter_theRetryIsMade_andItIsLogged() throws Exception {
    server.script(ScriptedServer.Reply.of(503));
    try (LogCapture logs = new LogCapture(WebhookClient.class);
        WebhookClient client = WebhookClient.builder().secret("s3cret").clock(clock)
            .scheduler(scheduler)
            .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofSeconds(2))
                .jitter(0.5).build())
            .jitterSource(() -> {
              throw new IllegalStateException("no randomness today");
            })
            .listener(recorder).drainTimeout(Duration.ZERO).build()) {
      CompletableFuture<WebhookDelivery> f = client.send(server.uri("/h"), message("j"));
      assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
      scheduler.advance(Duration.ofSeconds(2)); // 0.5 is the middle of the jitter: 2 s exactly
      assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      assertThat(logs.lines(ch.qos.logback.classic.Level.WARN)).singleElement()
          .satisfies(line -> assertThat(line).contains("jitter source", "no jitter"));
    }
    assertThat(heard).contains("retry at 2026-11-23T10:00:02Z", "delivered 2");
  }

  @Test
  void aRetrySchedulerThatWasShutDown_abandonsTheDelivery_withAWarning() throws Exception {
    server.script(ScriptedServer.Reply.of(503));
    java.util.concurrent.ScheduledExecutorService mine =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    mine.shutdown();
    try (LogCapture logs = new LogCapture(WebhookClient.class);
        WebhookClient client = WebhookClient.builder().secret("s3cret").scheduler(mine)
            .retry(RetryPolicy.builder().maxAttempts(3).build()).listener(recorder).build()) {
      CompletableFuture<WebhookDelivery> f = client.send(server.uri("/h"), message("s"));

      assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
      assertThat(logs.lines(ch.qos.logback.classic.Level.WARN))
          .anySatisfy(line -> assertThat(line).contains("retry scheduler refused"));
    }
    assertThat(heard).contains("abandoned false");
  }

  @Test
  void aRetrySchedulerShutDownWhileARetryWaits_closeAbandonsItWithoutWaitingOutTheDrain()
      throws Exception {
    java.util.concurrent.ScheduledThreadPoolExecutor mine =
        new java.util.concurrent.ScheduledThreadPoolExecutor(1);
    WebhookClient client = clientWithQueuedRetry(mine, Duration.ofSeconds(1));
    CompletableFuture<WebhookDelivery> f = sent;
    mine.shutdownNow(); // the queued retry is dropped: it will never run
    assertThat(mine.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    long start = System.nanoTime();
    client.close();

    // Without looking at the scheduler, close waited out the two minutes for the retry due in 1 s.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
  }

  @Test
  void aRetrySchedulerShutDownWhileCloseWaitsForItsRetry_closeNoticesWithoutBeingTold()
      throws Exception {
    java.util.concurrent.ScheduledThreadPoolExecutor mine =
        new java.util.concurrent.ScheduledThreadPoolExecutor(1);
    // The retry, due in a minute: within the drain.
    WebhookClient client = clientWithQueuedRetry(mine, Duration.ofSeconds(60));
    CompletableFuture<WebhookDelivery> f = sent;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);

    Thread closing = new Thread(client::close, "test-closing");
    closing.setDaemon(true); // a failed assertion below leaves no thread behind for long
    closing.start();
    try {
      // The drain waits for the retry; nothing will wake it when the scheduler ends.
      while (!waitingInDrain(closing) && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      assertThat(waitingInDrain(closing)).as("close waiting for the retry").isTrue();
    } finally {
      mine.shutdownNow(); // the queued retry is dropped: it will never run
    }
    assertThat(mine.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    closing.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(closing.isAlive()).as("close ended long before its two-minute drain").isFalse();
    assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
  }

  private CompletableFuture<WebhookDelivery> sent;

  /**
   * A client retrying on {@code scheduler} after {@code delay}, with a two-minute drain, whose
   * first attempt was answered 503 and whose retry is queued there; its delivery in {@link #sent}.
   */
  private WebhookClient clientWithQueuedRetry(
      java.util.concurrent.ScheduledThreadPoolExecutor scheduler, Duration delay) {
    server.script(ScriptedServer.Reply.of(503));
    WebhookClient client = WebhookClient.builder().secret("s3cret").scheduler(scheduler)
        .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(delay).build())
        .drainTimeout(Duration.ofMinutes(2)).listener(recorder).build();
    sent = client.send(server.uri("/h"), message("s"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (scheduler.getQueue().isEmpty() && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a poll, not a spin
    }
    assertThat(scheduler.getQueue()).as("the retry, queued").hasSize(1);
    return client;
  }

  private static boolean waitingInDrain(Thread t) {
    return t.getState() == Thread.State.TIMED_WAITING && java.util.Arrays.stream(t.getStackTrace())
        .anyMatch(e -> e.getMethodName().equals("drain")
            && e.getClassName().equals(DeliveryRunner.class.getName()));
  }

  /**
   * A delivery abandoned at close whose outbox record could never be written (its directory gone,
   * a file in its place) is not "kept in the outbox": nothing would resume it, so it is told
   * kept=false (the dead-letter path) once the outbox gives the record up at close.
   */
  @Test
  void abandonedWhileItsOutboxRecordCannotBeWritten_isToldNotKept(@TempDir Path dir)
      throws Exception {
    server.script(ScriptedServer.Reply.of(503));
    Path outboxDir = dir.resolve("webhooks");
    Path file = outboxDir.resolve("outbox.jsonl");
    List<String> threads = new CopyOnWriteArrayList<>();
    Path attempts = dir.resolve("attempts.jsonl");
    WebhookClient client = WebhookClient.builder().secret("s3cret")
        .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofHours(1)).build())
        .drainTimeout(Duration.ofMillis(100)).outbox(file).listener(recorder)
        .listener(new DeliveryListener() {
          @Override
          public void abandoned(WebhookMessage m, WebhookDelivery result, boolean kept) {
            threads.add(Thread.currentThread().getName());
          }
        })
        .attemptLog(attempts).build();
    TestFiles.deleteTree(outboxDir);
    Files.writeString(outboxDir, "a file where the outbox's directory was");

    CompletableFuture<WebhookDelivery> f = client.send(server.uri("/h"), message("lost"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (heard.stream().noneMatch(h -> h.startsWith("retry at"))
        && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a poll, not a spin
    }
    assertThat(client.outboxStats().orElseThrow().written()).isZero();
    client.close(); // the drain abandons it; the outbox's close gives its record up

    assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
    assertThat(heard).contains("abandoned false").doesNotContain("abandoned true")
        .doesNotContain("accepted lost");
    assertThat(client.outboxStats().orElseThrow().unwritten()).isEqualTo(1);
    assertThat(threads).singleElement().asString().doesNotStartWith("jsonl-writer-");
    assertThat(Files.readAllLines(attempts)).anySatisfy(line -> assertThat(line)
        .contains("\"outcome\":\"abandoned\"", "\"kept_in_outbox\":false"));
  }
}
