package io.github.eventbus.webhooks;

import static io.github.eventbus.webhooks.RawHttp.exchange;
import static io.github.eventbus.webhooks.RawHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventInterceptor;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Closing the receiver while requests are under way: a request the bus is taking is answered
 * before its connection closes, so its sender learns the outcome; idle connections close at once.
 */
class ReceiverCloseTest {

  static final String SECRET = WebhookReceiverTest.SECRET;
  static final Instant NOW = WebhookReceiverTest.NOW;

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final List<String> delivered = new CopyOnWriteArrayList<>();
  private final CountDownLatch publishing = new CountDownLatch(1);
  private final CountDownLatch letPublish = new CountDownLatch(1);
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private EventBus bus;
  private WebhookReceiver receiver;
  private URI uri;

  /** A bus whose publish of {@code held} waits, ignoring interrupts, until the test lets it. */
  private void start(String held) {
    bus = EventBus.builder().name("close").interceptor(new EventInterceptor() {
      @Override
      public Event<?> onPublish(Event<?> event) {
        if (event.id().equals(held)) {
          publishing.countDown();
          awaitUninterruptibly(letPublish);
        }
        return event;
      }
    }).build();
    bus.subscribe("*", (Event<?> e) -> delivered.add(e.id()));
    receiver = WebhookReceiver.builder(bus).clock(clock).publishTimeout(Duration.ofSeconds(30))
        .verifier(WebhookVerifier.builder().secret(SECRET).clock(clock).build()).build();
    receiver.start();
    uri = receiver.uri();
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @AfterEach
  void stop() {
    letPublish.countDown();
    if (receiver != null) {
      receiver.close();
    }
    if (bus != null) {
      bus.close();
    }
    threads.shutdownNow();
  }

  private Future<RawHttp.Answer> send(String id) { // HTTP/1.1, sending side shut after the body
    byte[] body = WebhookReceiverTest.payload("deployment", id);
    return threads.submit(() -> exchange(uri, post(uri,
        RawHttp.signed(SECRET, "msg-" + id, NOW, body), body)));
  }

  /** Whether the receiver has stopped accepting: a new connection is refused. */
  private boolean refusesConnections() {
    try (Socket s = RawHttp.connect(uri)) {
      return false;
    } catch (ConnectException refused) {
      return true;
    } catch (IOException other) {
      return false;
    }
  }

  @RepeatedTest(20)
  void close_whileTheBusTakesARequest_answersIt202_thenClosesTheConnection() throws Exception {
    start("evt-held");
    byte[] body = WebhookReceiverTest.payload("deployment", "evt-held");
    try (Socket s = RawHttp.connect(uri)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(post(uri, RawHttp.signed(SECRET, "msg-evt-held", NOW, body), body));
      s.getOutputStream().flush(); // HTTP/1.1, kept alive unless the receiver closes
      assertThat(publishing.await(5, TimeUnit.SECONDS)).isTrue();

      Future<?> closing = threads.submit(receiver::close);
      while (!refusesConnections()) {
        assertThat(closing).isNotDone();
        Thread.onSpinWait();
      }
      letPublish.countDown(); // the bus takes the event only once the receiver is closing

      InputStream in = s.getInputStream();
      RawHttp.Answer got = RawHttp.read(in);
      assertThat(got).as("an answer, not a closed connection").isNotNull();
      assertThat(got.status()).isEqualTo(202);
      assertThat(in.read()).as("then the connection ends").isEqualTo(-1);
      closing.get(10, TimeUnit.SECONDS);
    }
    bus.close(); // drains: the event is delivered
    assertThat(delivered).containsExactly("evt-held");
  }

  @Test
  void close_withAnIdleKeptAliveConnection_closesIt()
      throws Exception {
    start("none");
    byte[] body = WebhookReceiverTest.payload("deployment", "evt-1");
    try (Socket s = RawHttp.connect(uri)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(post(uri, RawHttp.signed(SECRET, "msg-evt-1", NOW, body), body));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      RawHttp.Answer first = RawHttp.read(in);
      assertThat(first.status()).isEqualTo(202);
      assertThat(first.headers()).doesNotContainKey("connection");

      receiver.close();

      assertThat(in.read()).as("the idle connection is closed").isEqualTo(-1);
    }
  }

  @Test
  void close_whileAPublishHangs_endsThatConnectionAfterTheGrace_notAtThePublishTimeout()
      throws Exception {
    start("evt-stuck");
    Future<RawHttp.Answer> answer = send("evt-stuck");
    assertThat(publishing.await(5, TimeUnit.SECONDS)).isTrue();

    long t0 = System.nanoTime();
    receiver.close(); // the publish ignores the interrupt and its timeout is 30 s

    // The two seconds' grace covers the publish and the answer together (not one after the
    // other: three seconds).
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2_900));
    assertThat(answer.get(5, TimeUnit.SECONDS)).as("the stream ends without an answer").isNull();
  }
}
