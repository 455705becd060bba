package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The receiver's HTTP server on its own, with a thread factory the test controls. */
class ReceiverServerTest {

  private final List<String> refusals = new CopyOnWriteArrayList<>();
  private final HttpConnection.Handler handler = new HttpConnection.Handler() {
    @Override
    public ReceiverResponse serve(HttpRequest request, String remote) {
      return ReceiverResponse.of(202, "accepted", "path", request.path());
    }

    @Override
    public ReceiverResponse refuse(int status, String reason, String remote) {
      refusals.add(status + " " + reason);
      return ReceiverResponse.of(status, "rejected", "reason", reason);
    }
  };
  private final HttpLimits limits = HttpLimits.receiver(Duration.ofSeconds(5),
      Duration.ofSeconds(5), Duration.ofSeconds(5), 8, 1024);
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

  @Test
  void aConnectionNoThreadCanBeMadeFor_isAnswered503_andTheServerGoesOnAccepting()
      throws Exception {
    AtomicInteger made = new AtomicInteger();
    ThreadFactory failsTwice = r -> {
      if (made.incrementAndGet() <= 2) {
        throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
      }
      Thread t = new Thread(r, "test-connection-" + made.get());
      t.setDaemon(true);
      return t;
    };
    try (LogCapture logs = new LogCapture(WebhookReceiver.class);
        ReceiverServer server = new ReceiverServer(new InetSocketAddress("127.0.0.1", 0), limits,
            handler, ReceiverResponse.of(503, "busy", "reason", "busy"), clock, failsTwice)) {
      URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + "/hooks");
      assertThat(status(uri)).isEqualTo(503);
      assertThat(status(uri)).isEqualTo(503);
      assertThat(status(uri)).isEqualTo(202);
      assertThat(refusals).containsExactly("503 no thread to serve the connection",
          "503 no thread to serve the connection");
      // Two failures, one line: the second falls in the first's interval.
      assertThat(logs.lines(Level.WARN)).singleElement().asString()
          .contains("could not start a thread", "unable to create native thread");
    }
  }

  @Test
  void aConnectionWhoseThreadHasNotBegun_isNotEvicted_andItsLateRequestIsServed()
      throws Exception {
    // Regression: a new connection counted as idle from its acceptance; if its thread had not
    // begun within 50 ms, eviction shut its input, and the request it then sent met a bare EOF.
    java.util.concurrent.CountDownLatch begin = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger made = new AtomicInteger();
    ThreadFactory firstHeld = r -> {
      boolean held = made.incrementAndGet() == 1;
      Thread t = new Thread(() -> {
        if (held) {
          try {
            begin.await(); // a thread slow to start (a loaded machine, a pause)
          } catch (InterruptedException e) {
            return;
          }
        }
        r.run();
      }, "test-connection-" + made.get());
      t.setDaemon(true);
      return t;
    };
    HttpLimits one = HttpLimits.receiver(Duration.ofSeconds(5), Duration.ofSeconds(5),
        Duration.ofSeconds(5), 1, 1024);
    try (ReceiverServer server = new ReceiverServer(new InetSocketAddress("127.0.0.1", 0), one,
        handler, ReceiverResponse.of(503, "busy", "reason", "busy"), clock, firstHeld);
        Socket first = RawHttp.connect(URI.create("http://127.0.0.1:" + server.address().getPort()
            + "/hooks"))) {
      URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + "/hooks");
      // Well past the 50 ms a connection must be idle to be evicted: every other sender is told
      // to come back, while the first connection's thread has not begun.
      long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
      int tries = 0;
      do {
        assertThat(status(uri)).as("try %d", tries).isEqualTo(503);
        tries++;
      } while (System.nanoTime() - until < 0);

      first.setSoTimeout(10_000);
      first.getOutputStream().write(("POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
          + "Connection: close\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
      begin.countDown();
      RawHttp.Answer answer = RawHttp.read(first.getInputStream());
      assertThat(answer).as("an answer, not a bare end of stream").isNotNull();
      assertThat(answer.status()).isEqualTo(202);
    }
  }

  @Test
  void aRequestBegunAsItsConnectionIsEvicted_isAnswered503_notCutOff() throws Exception {
    java.util.concurrent.CountDownLatch begun = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch evicted = new java.util.concurrent.CountDownLatch(1);
    Runnable heldOnce = () -> {
      if (begun.getCount() > 0) {
        begun.countDown();
        com.google.common.util.concurrent.Uninterruptibles.awaitUninterruptibly(evicted);
      }
    };
    try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress());
        Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
        Socket accepted = listener.accept()) {
      HttpConnection connection = new HttpConnection(accepted, limits, handler, heldOnce);
      Thread serving = new Thread(connection, "test-connection");
      serving.setDaemon(true);
      serving.start();
      // Eviction takes only a connection idle for a while: wait until this one has been.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!(connection.idle()
          && System.nanoTime() - connection.idleSince() >= HttpConnection.EVICTABLE_AFTER_NANOS)) {
        assertThat(System.nanoTime() - deadline).as("idle in time").isNegative();
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
      }

      client.setSoTimeout(10_000);
      client.getOutputStream().write(("POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
          + "\r\n{}").getBytes(StandardCharsets.US_ASCII));
      try {
        assertThat(begun.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        // Its thread has read the first bytes and not yet marked the connection busy.
        assertThat(connection.evictIfIdle()).as("still idle, so evicted").isTrue();
      } finally {
        evicted.countDown(); // never leaves the serving thread parked
      }

      RawHttp.Answer answer = RawHttp.read(client.getInputStream());
      assertThat(answer).as("an answer, not a bare end of stream").isNotNull();
      assertThat(answer.status()).isEqualTo(503);
      assertThat(answer.headers()).containsEntry("connection", "close");
      assertThat(refusals).containsExactly("503 the connection was closed to make room");
      assertThat(client.getInputStream().read()).as("closed after the answer").isEqualTo(-1);
      serving.join(10_000);
      assertThat(serving.isAlive()).isFalse();
    }
  }

  /**
   * A rejected client that reads its 4xx and keeps its socket open holds the connection while the
   * server discards what it may still send (so that it reads the answer, not a reset); that
   * connection is the first to make room for a new one, or such clients, two here, 256 by
   * default, would keep every sender out for as long as they repeat.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"GARBAGE\r\n\r\n", "POST /hooks HTTP/1.1\r\nHost: x\r\n"
      + "Content-Length: 999999\r\n\r\n"})
  void rejectedClientsThatDoNotHangUp_makeRoomForANewConnection(String rejected)
      throws Exception {
    HttpLimits two = HttpLimits.receiver(Duration.ofSeconds(5), Duration.ofSeconds(5),
        Duration.ofSeconds(5), 2, 1024);
    List<Socket> holding = new ArrayList<>();
    try (ReceiverServer server = new ReceiverServer(new InetSocketAddress("127.0.0.1", 0), two,
        handler, ReceiverResponse.of(503, "busy", "reason", "busy"), clock)) {
      URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + "/hooks");
      for (int i = 0; i < 2; i++) {
        Socket s = RawHttp.connect(uri);
        holding.add(s);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(rejected.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        assertThat(RawHttp.read(s.getInputStream()).status()).isIn(400, 413);
      }

      assertThat(status(uri)).as("a sender after two rejected clients").isEqualTo(202);
    } finally {
      for (Socket s : holding) {
        s.close();
      }
    }
  }

  /**
   * With every connection busy, the 503 reaches an HTTP client that writes its request as it
   * connects: the server reads and drops that request before it closes, instead of closing with
   * it unread, which answers it with a reset ("header parser received no bytes").
   */
  @Test
  void aConnectionOverTheLimit_isAnswered503_thatAnHttpClientReads_notAReset() throws Exception {
    HttpLimits one = HttpLimits.receiver(Duration.ofSeconds(5), Duration.ofSeconds(5),
        Duration.ofSeconds(5), 1, 1024);
    try (ReceiverServer server = new ReceiverServer(new InetSocketAddress("127.0.0.1", 0), one,
        handler, ReceiverResponse.of(503, "busy", "reason", "busy"), clock);
        Socket stalled = new Socket("127.0.0.1", server.address().getPort())) {
      URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + "/hooks");
      stalled.getOutputStream().write('P'); // a request begun: busy, not evictable
      stalled.getOutputStream().flush();
      HttpClient client = HttpClient.newHttpClient();
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        try {
          answers.add(String.valueOf(client.send(java.net.http.HttpRequest.newBuilder(uri)
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode()));
        } catch (IOException e) {
          answers.add(e.toString());
        }
      }
      assertThat(answers).containsOnly("503");
    }
  }

  private static int status(URI uri) throws IOException {
    byte[] request = ("POST " + uri.getPath() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        + "Connection: close\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII);
    try (Socket s = RawHttp.connect(uri)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      return RawHttp.read(s.getInputStream()).status();
    }
  }
}
