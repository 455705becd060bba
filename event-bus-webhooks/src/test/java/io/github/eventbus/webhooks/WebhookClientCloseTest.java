package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** close() with work in flight: it drains, and what is left is reported, never dropped. */
class WebhookClientCloseTest {

  @TempDir Path dir;
  private final ScriptedServer server = new ScriptedServer();
  private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().executor(Runnable::run).build();

  WebhookClientCloseTest() {
    bus.subscribe(DeadLetter.class, letters::add);
  }

  @AfterEach
  void stop() {
    server.close();
    bus.close();
  }

  private static WebhookMessage message(String id) {
    return WebhookMessage.of(Event.builder(DynamicEvent.of("t", Map.of("n", 1))).id(id)
        .timestamp(Instant.EPOCH).build());
  }

  private static void awaitAll(List<CompletableFuture<WebhookDelivery>> futures) throws Exception {
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
  }

  @Test
  void tryWithResources_deliversEverythingSentBeforeClose() throws Exception {
    CountDownLatch slow = new CountDownLatch(1);
    for (int i = 0; i < 10; i++) {
      server.script(ScriptedServer.Reply.held(200, slow));
    }
    List<CompletableFuture<WebhookDelivery>> sent = new ArrayList<>();
    Thread releaser = new Thread(() -> {
      try {
        for (int i = 0; i < 8; i++) {
          server.received.take(); // the gate lets 8 through; release them once all 8 arrived
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      slow.countDown();
    });
    releaser.start();
    try (WebhookClient client = WebhookClient.builder().secret("s3cret").build()) {
      for (int i = 0; i < 10; i++) {
        sent.add(client.send(server.uri("/hook"), message("e-" + i)));
      }
    } // close() waits: the server answers only once eight requests are in
    releaser.join(10_000);
    assertThat(sent).allSatisfy(f -> {
      assertThat(f).isDone();
      assertThat(f.join().outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    });
  }

  @Test
  void withoutOutbox_whatTheDrainLeaves_isAbandoned_deadLettered_andCounted() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    for (int i = 0; i < 3; i++) {
      server.script(ScriptedServer.Reply.held(200, never));
    }
    List<CompletableFuture<WebhookDelivery>> sent = new ArrayList<>();
    try (LogCapture logs = new LogCapture(WebhookClient.class)) {
      WebhookClient client = WebhookClient.builder().secret("s3cret").deadLetters(bus)
          .drainTimeout(Duration.ofMillis(200)).build();
      for (int i = 0; i < 3; i++) {
        sent.add(client.send(server.uri("/hook"), message("a-" + i)));
      }
      for (int i = 0; i < 3; i++) {
        server.next(); // all three in flight, held by the server
      }
      client.close();
      awaitAll(sent);
      assertThat(sent).allSatisfy(f ->
          assertThat(f.join().outcome()).isEqualTo(DeliveryOutcome.ABANDONED));
      assertThat(letters).extracting(l -> l.event().id())
          .containsExactlyInAnyOrder("a-0", "a-1", "a-2");
      assertThat(letters).allSatisfy(l -> assertThat(l.cause())
          .isInstanceOfSatisfying(WebhookDeliveryException.class,
              e -> assertThat(e.outcome()).isEqualTo(DeliveryOutcome.ABANDONED)));
      assertThat(logs.lines(Level.WARN)).singleElement().satisfies(line ->
          assertThat(line).contains("3 unfinished", "dead-lettered"));
    } finally {
      never.countDown();
    }
  }

  @Test
  void withOutbox_anAcceptedNoticeStillQueuedForTheHttpThreads_isToldAtClose() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch bothBusy = new CountDownLatch(2);
    List<String> accepted = new CopyOnWriteArrayList<>();
    // The first two notices hold both HTTP threads (a listener that blocks, against the rules),
    // so the third waits in their queue until close() stops them.
    DeliveryListener holding = new DeliveryListener() {
      @Override
      public void accepted(WebhookMessage message, java.net.URI endpoint) {
        accepted.add(message.id());
        if (!message.id().equals("k-2")) {
          bothBusy.countDown();
          try {
            never.await();
          } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
    Path outbox = dir.resolve("outbox.jsonl");
    try {
      WebhookClient client = WebhookClient.builder().secret("s3cret").listener(holding)
          .drainTimeout(Duration.ofMillis(300)).outbox(outbox).build();
      client.send(server.uri("/hook"), message("k-0"));
      client.send(server.uri("/hook"), message("k-1"));
      assertThat(bothBusy.await(20, TimeUnit.SECONDS)).isTrue();
      client.send(server.uri("/hook"), message("k-2"));
      client.close();

      assertThat(accepted).containsExactlyInAnyOrder("k-0", "k-1", "k-2");
    } finally {
      never.countDown();
    }
  }

  @Test
  void withOutbox_whatTheDrainLeaves_staysPending_forTheNextClient() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    server.script(ScriptedServer.Reply.held(200, never), ScriptedServer.Reply.held(200, never));
    Path outbox = dir.resolve("outbox.jsonl");
    List<CompletableFuture<WebhookDelivery>> sent = new ArrayList<>();
    try (LogCapture logs = new LogCapture(WebhookClient.class)) {
      logs.enable(Level.INFO);
      WebhookClient client = WebhookClient.builder().secret("s3cret").deadLetters(bus)
          .drainTimeout(Duration.ofMillis(200)).outbox(outbox).build();
      sent.add(client.send(server.uri("/hook"), message("k-0")));
      sent.add(client.send(server.uri("/hook"), message("k-1")));
      server.next();
      server.next();
      client.close();
      awaitAll(sent);
      assertThat(sent).allSatisfy(f ->
          assertThat(f.join().outcome()).isEqualTo(DeliveryOutcome.ABANDONED));
      assertThat(letters).isEmpty(); // kept, not lost
      assertThat(logs.lines(Level.INFO)).singleElement().satisfies(line ->
          assertThat(line).contains("2 unfinished", "outbox"));
    } finally {
      never.countDown();
    }
    try (WebhookClient next = WebhookClient.builder().secret("s3cret").outbox(outbox).build()) {
      awaitAll(next.resumed());
      assertThat(next.resumed()).hasSize(2).allSatisfy(f ->
          assertThat(f.join().outcome()).isEqualTo(DeliveryOutcome.DELIVERED));
    }
  }

  @Test
  void anAnswerThatCameBeforeTheDrainEnded_isSettled_notAbandoned_andNotSentAgain()
      throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    Path outbox = dir.resolve("outbox.jsonl");
    CountDownLatch answered = new CountDownLatch(1);
    CountDownLatch otherAbandoned = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    try (ScriptedServer stalls = new ScriptedServer()) {
      stalls.script(ScriptedServer.Reply.held(200, never));
      server.script(ScriptedServer.Reply.of(202));
      WebhookClient client = WebhookClient.builder().secret("s3cret").outbox(outbox)
          .drainTimeout(Duration.ZERO)
          .listener(new DeliveryListener() {
            @Override
            public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
              if (attempt.status() == 202) { // settling this answer takes a while
                answered.countDown();
                awaitQuietly(letGo);
              }
            }

            @Override
            public void abandoned(WebhookMessage message, WebhookDelivery result, boolean kept) {
              if (message.id().equals("stalled")) {
                otherAbandoned.countDown();
              }
            }
          }).build();
      CompletableFuture<WebhookDelivery> stalled = client.send(stalls.uri("/hook"),
          message("stalled"));
      stalls.next();
      CompletableFuture<WebhookDelivery> ok = client.send(server.uri("/hook"), message("ok"));
      assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();

      Thread closing = new Thread(client::close);
      closing.start();
      // The drain has ended and abandoned what was in flight; the 202 is still being settled.
      assertThat(otherAbandoned.await(10, TimeUnit.SECONDS)).isTrue();
      letGo.countDown();
      closing.join(10_000);
      assertThat(closing.isAlive()).as("close() returned").isFalse();

      assertThat(ok.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      assertThat(stalled.get(10, TimeUnit.SECONDS).outcome())
          .isEqualTo(DeliveryOutcome.ABANDONED);
    } finally {
      never.countDown();
    }
    try (WebhookClient next = WebhookClient.builder().secret("s3cret").outbox(outbox)
        .retry(RetryPolicy.builder().maxAttempts(1).build()).build()) {
      assertThat(next.resumed()).as("only the abandoned one is sent again").hasSize(1);
      awaitAll(next.resumed());
    }
    assertThat(server.received).hasSize(1); // ok's 202 came once; the resumed one went elsewhere
  }

  @Test
  void anAnswerStillNotSettledAfterTheGrace_isAbandoned_soCloseLeavesNoDeliveryOpen()
      throws Exception {
    Path outbox = dir.resolve("outbox.jsonl");
    CountDownLatch answered = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    server.script(ScriptedServer.Reply.of(202));
    WebhookClient client = WebhookClient.builder().secret("s3cret").outbox(outbox)
        .drainTimeout(Duration.ZERO)
        .listener(new DeliveryListener() {
          @Override
          public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
            answered.countDown();
            awaitQuietly(letGo); // past the grace: close() interrupts it
          }
        }).build();
    CompletableFuture<WebhookDelivery> f = client.send(server.uri("/hook"), message("late"));
    assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      client.close();

      assertThat(f).as("ended by close(), not left open").isDone();
      assertThat(f.join().outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
    } finally {
      letGo.countDown();
    }
    try (WebhookClient next = WebhookClient.builder().secret("s3cret").outbox(outbox).build()) {
      assertThat(next.resumed()).as("kept in the outbox: its 202 was never settled")
          .hasSize(1);
      awaitAll(next.resumed());
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aRetryDueWithinTheDrain_isMade_andOneDueLater_isNotWaitedFor() throws Exception {
    server.script(ScriptedServer.Reply.of(503), ScriptedServer.Reply.of(503));
    WebhookClient soon = WebhookClient.builder().secret("s3cret")
        .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(50)).jitter(0)
            .build())
        .drainTimeout(Duration.ofSeconds(20)).build();
    CompletableFuture<WebhookDelivery> f = soon.send(server.uri("/hook"), message("soon"));
    server.next();
    soon.close(); // the 50 ms retry falls within the drain: it is made
    assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isIn(DeliveryOutcome.DELIVERED);
    assertThat(f.join().attempts()).isGreaterThanOrEqualTo(2);

    WebhookClient later = WebhookClient.builder().secret("s3cret").deadLetters(bus)
        .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofHours(1)).build())
        .drainTimeout(Duration.ofSeconds(20)).build();
    server.script(ScriptedServer.Reply.of(503));
    CompletableFuture<WebhookDelivery> g = later.send(server.uri("/hook"), message("later"));
    while (server.received.size() < 2) {
      server.next();
    }
    long start = System.nanoTime();
    later.close(); // the retry is an hour away: close does not wait 20 s for nothing
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    assertThat(g.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
    assertThat(letters).extracting(l -> l.event().id()).containsExactly("later");
  }

  @Test
  void aDeadLetterForAClosedBus_isLogged_notLost_silently() throws Exception {
    EventBus closedBus = EventBus.builder().build();
    closedBus.close();
    server.script(ScriptedServer.Reply.of(404), ScriptedServer.Reply.of(404));
    try (LogCapture logs = new LogCapture(WebhookClient.class);
        WebhookClient client = WebhookClient.builder().secret("s3cret").deadLetters(closedBus)
            .build()) {
      assertThat(client.send(server.uri("/gone-wrong"), message("d1")).get(10, TimeUnit.SECONDS)
          .outcome()).isEqualTo(DeliveryOutcome.REJECTED);
      assertThat(client.send(server.uri("/gone-wrong"), message("d2")).get(10, TimeUnit.SECONDS)
          .outcome()).isEqualTo(DeliveryOutcome.REJECTED);
      assertThat(logs.lines(Level.WARN)).filteredOn(l -> l.contains("could not be published"))
          .singleElement().satisfies(l -> assertThat(l).contains("d1", "REJECTED"));
    }
  }

  @Test
  void close_stopsEveryThreadTheClientStarted() throws Exception {
    Set<Thread> existing = clientThreadsNow();
    CountDownLatch never = new CountDownLatch(1);
    server.script(ScriptedServer.Reply.held(200, never));
    WebhookClient client = WebhookClient.builder().secret("s3cret")
        .drainTimeout(Duration.ofMillis(100)).build();
    CompletableFuture<WebhookDelivery> f = client.send(server.uri("/hook"), message("t"));
    server.next();
    client.close();
    assertThat(clientThreads(existing)).as("no client thread outlives close()").isEmpty();
    never.countDown();
    assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
    for (Thread t : clientThreads(existing)) {
      t.join(10_000);
    }
    assertThat(clientThreads(existing)).isEmpty();
  }

  /**
   * The live client threads not in {@code existing}: those a test's own client started, whatever
   * an earlier test in the same JVM may have left running.
   */
  static List<Thread> clientThreads(Set<Thread> existing) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("webhook-client-") && t.isAlive()
            && !existing.contains(t)).toList();
  }

  static Set<Thread> clientThreadsNow() {
    return Set.copyOf(clientThreads(Set.of()));
  }

  /**
   * send() checks the closed flag, then hands the delivery on; close() may run in between. Every
   * send must either be refused with IllegalStateException or return a future that completes,
   * and every send after close() returned is refused.
   */
  @Test
  void close_concurrentWithSends_everySendRefusedOrCompleted() throws Exception {
    for (int round = 0; round < 20; round++) {
      WebhookClient client = WebhookClient.builder().secret("s3cret")
          .outbox(dir.resolve("race-" + round + ".jsonl"))
          .drainTimeout(Duration.ofMillis(200)).build();
      List<CompletableFuture<WebhookDelivery>> sent = new CopyOnWriteArrayList<>();
      List<Throwable> unexpected = new CopyOnWriteArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      CountDownLatch closedReturned = new CountDownLatch(1);
      List<Thread> senders = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        int id = t;
        Thread sender = new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < 10_000; i++) {
              boolean afterClose = closedReturned.getCount() == 0;
              try {
                CompletableFuture<WebhookDelivery> f =
                    client.send(server.uri("/hook"), message("r-" + id + "-" + i));
                if (afterClose) {
                  unexpected.add(new AssertionError("send accepted after close() returned"));
                }
                sent.add(f);
              } catch (IllegalStateException refused) {
                if (afterClose) {
                  return;
                }
              }
            }
          } catch (Throwable e) {
            unexpected.add(e);
          }
        }, "t-sender-" + t);
        sender.start();
        senders.add(sender);
      }
      go.countDown();
      while (sent.size() < 3) {
        Thread.onSpinWait();
      }
      client.close();
      closedReturned.countDown();
      for (Thread s : senders) {
        s.join(30_000);
      }
      assertThat(unexpected).as("round %d", round).isEmpty();
      for (CompletableFuture<WebhookDelivery> f : sent) {
        assertThat(f).as("round %d", round).succeedsWithin(Duration.ofSeconds(10));
      }
      assertThat(sent).isNotEmpty();
    }
  }
}
