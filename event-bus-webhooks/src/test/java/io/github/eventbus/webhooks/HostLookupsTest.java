package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.TestThreads;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host names are looked up on the client's lookup threads, within the request timeout: a host
 * whose DNS stalls holds neither the HTTP threads nor other endpoints. The system resolver cannot
 * be made to stall in a test, so a stalling one is given for one name; every other name goes to
 * the system resolver, whose answer the JDK client then takes from the JVM's cache.
 */
class HostLookupsTest {

  private static final String STALLED = "stalled.example";

  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger stalledLookups = new AtomicInteger();
  private final ScriptedServer server = new ScriptedServer();

  @AfterEach
  void stop() {
    release.countDown();
    server.close();
  }

  /**
   * Blocks lookups of {@link #STALLED}, however spelled, ignoring interrupts as a native lookup
   * does.
   */
  private InetAddress[] resolve(String host) throws UnknownHostException {
    if (!host.toLowerCase(Locale.ROOT).replaceAll("\\.$", "").equals(STALLED)) {
      return InetAddress.getAllByName(host);
    }
    stalledLookups.incrementAndGet();
    TestThreads.awaitIgnoringInterrupts(release); // as a lookup in the system resolver
    throw new UnknownHostException(STALLED);
  }

  private WebhookClient client(Duration requestTimeout) {
    return builder(requestTimeout).build();
  }

  private WebhookClient.Builder builder(Duration requestTimeout) {
    return WebhookClient.builder().secret("s3cret").resolver(this::resolve)
        .timeouts(Duration.ofSeconds(5), requestTimeout)
        .retry(RetryPolicy.builder().maxAttempts(1).build());
  }

  private URI url(String host) {
    URI local = server.uri("/hook");
    return URI.create("http://" + host + ":" + local.getPort() + local.getPath());
  }

  /** A caller's deadline a minute away. */
  private static long soon() {
    return System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
  }

  private static WebhookMessage message(String id) {
    return WebhookMessage.of(Event.builder(DynamicEvent.of("t", Map.of())).id(id)
        .timestamp(Instant.EPOCH).build());
  }

  @Test
  void stalledLookup_holdsNoHttpThread_othersAreDelivered_andItsAttemptsTimeOut()
      throws Exception {
    try (WebhookClient client = client(Duration.ofSeconds(2))) {
      List<CompletableFuture<WebhookDelivery>> stalled = new ArrayList<>();
      for (int i = 0; i < 6; i++) { // more than the HTTP threads
        stalled.add(client.send(url(STALLED), message("stalled-" + i)));
      }
      WebhookDelivery ok = client.send(url("localhost"), message("ok")).get(20, TimeUnit.SECONDS);
      assertThat(ok.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      assertThat(server.received).hasSize(1);
      for (CompletableFuture<WebhookDelivery> d : stalled) {
        WebhookDelivery done = d.get(20, TimeUnit.SECONDS); // the lookup is still stalled
        assertThat(done.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
        assertThat(done.lastError()).contains("the host name lookup did not end within PT2S");
      }
      assertThat(stalledLookups.get()).as("one lookup shared by the host's attempts").isEqualTo(1);
      assertThat(release.getCount()).isEqualTo(1);
    }
  }

  @Test
  void lookupThatFails_isAFailedAttempt_namingTheHost() throws Exception {
    try (WebhookClient client = client(Duration.ofSeconds(10))) {
      release.countDown(); // the stalled name now fails at once
      WebhookDelivery d = client.send(url(STALLED), message("unknown")).get(20, TimeUnit.SECONDS);
      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
      assertThat(d.lastError()).contains("does not resolve", STALLED);
      assertThat(server.received).isEmpty();
    }
  }

  @Test
  void afterALookupEnds_theNextAttemptLooksUpAgain() throws Exception {
    release.countDown();
    try (WebhookClient client = client(Duration.ofSeconds(10))) {
      client.send(url(STALLED), message("one")).get(20, TimeUnit.SECONDS);
      client.send(url(STALLED), message("two")).get(20, TimeUnit.SECONDS);
    }
    assertThat(stalledLookups.get()).isEqualTo(2);
  }

  @Test
  void addressLiterals_areNotLookedUp() throws Exception {
    HostLookups lookups = new HostLookups(host -> {
      throw new AssertionError("looked up " + host);
    });
    try {
      assertThat(lookups.lookUp("127.0.0.1", soon()).get(5, TimeUnit.SECONDS))
          .containsExactly(InetAddress.getByName("127.0.0.1"));
      assertThat(lookups.lookUp("[::1]", soon()).get(5, TimeUnit.SECONDS))
          .containsExactly(InetAddress.getByName("::1"));
    } finally {
      lookups.shutdownNow();
    }
  }

  @Test
  void close_whileALookupStalls_endsItsDelivery_andRefusesLaterLookups() throws Exception {
    Set<Thread> existing = WebhookClientCloseTest.clientThreadsNow();
    WebhookClient client = builder(Duration.ofSeconds(30)).drainTimeout(Duration.ofMillis(200))
        .build();
    CompletableFuture<WebhookDelivery> d = client.send(url(STALLED), message("closing"));
    HostLookups lookups = new HostLookups(this::resolve);
    CompletableFuture<InetAddress[]> waiting = lookups.lookUp(STALLED, soon());
    try {
      client.close(); // the drain gives up on the lookup after 200 ms
      WebhookDelivery ended = d.get(20, TimeUnit.SECONDS);
      assertThat(ended.outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
      lookups.shutdownNow();
      assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(RejectedExecutionException.class);
      assertThatThrownBy(() -> lookups.lookUp("localhost", soon()).get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(RejectedExecutionException.class);
    } finally {
      release.countDown();
    }
    for (Thread t : WebhookClientCloseTest.clientThreads(existing)) {
      t.join(10_000);
    }
    assertThat(WebhookClientCloseTest.clientThreads(existing)).isEmpty();
  }

  @Test
  void oneHostSpelledFourWays_holdsOneLookupThread() throws Exception {
    try (WebhookClient client = client(Duration.ofSeconds(2))) {
      for (String spelling : List.of(STALLED, "STALLED.example", "Stalled.Example",
          STALLED + ".")) {
        client.send(url(spelling), message(spelling));
      }
      WebhookDelivery ok = client.send(url("localhost"), message("ok")).get(20, TimeUnit.SECONDS);
      assertThat(ok.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      assertThat(stalledLookups.get()).isEqualTo(1);
    }
  }

  /** An address whose zone names no interface here cannot be reached: a failed attempt. */
  @Test
  void addressLiteralWithAnUnknownZone_isAFailedAttempt_andTheOutboxStaysUsable(@TempDir Path dir)
      throws Exception {
    URI zoned = URI.create("http://[fe80::1%25nosuch0]:9/hook");
    Path outbox = dir.resolve("outbox.jsonl");
    try (WebhookClient client = builder(Duration.ofSeconds(2)).outbox(outbox)
        .maxInFlightPerEndpoint(1).build()) {
      for (String id : List.of("one", "two")) { // the first must have let the endpoint go
        WebhookDelivery d = client.send(zoned, message(id)).get(20, TimeUnit.SECONDS);
        assertThat(d.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
        assertThat(d.lastError()).contains("does not resolve");
      }
    }
    try (WebhookClient next = builder(Duration.ofSeconds(2)).outbox(outbox).build()) {
      assertThat(next.deadDeliveryIds()).containsExactlyInAnyOrder("one", "two");
    }
  }

  /**
   * Eight hosts stall (four lookups run, four wait) past their attempts' deadline: once the
   * four end, the four queued are not made, and a healthy host's lookup runs next.
   */
  @Test
  void lookupsQueuedPastTheirAttemptsDeadline_areNotMade() throws Exception {
    List<String> looked = new CopyOnWriteArrayList<>();
    CountDownLatch slow = new CountDownLatch(1);
    WebhookClient.Builder b = WebhookClient.builder().secret("s3cret").resolver(host -> {
      looked.add(host);
      if (host.startsWith("slow")) {
        TestThreads.awaitIgnoringInterrupts(slow);
        throw new UnknownHostException(host);
      }
      return InetAddress.getAllByName(host);
    }).timeouts(Duration.ofSeconds(5), Duration.ofSeconds(1))
        .retry(RetryPolicy.builder().maxAttempts(1).build());
    try (WebhookClient client = b.build()) {
      List<CompletableFuture<WebhookDelivery>> stalled = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        stalled.add(client.send(url("slow" + i + ".example"), message("slow-" + i)));
      }
      for (CompletableFuture<WebhookDelivery> d : stalled) {
        assertThat(d.get(20, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
      }
      slow.countDown(); // the four running lookups end; the four queued are past their time
      WebhookDelivery ok = client.send(url("localhost"), message("ok")).get(20, TimeUnit.SECONDS);
      assertThat(ok.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      assertThat(looked).filteredOn(h -> h.startsWith("slow")).hasSize(4);
    } finally {
      slow.countDown();
    }
  }
}
