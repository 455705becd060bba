package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.RetryPolicy;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An endpoint that sends its status and headers, then stalls the body: the request timeout
 * covers the body and ends the exchange, the attempt is taken at the status it had (a 200 is not
 * sent again), and no thread is left behind.
 */
class StalledResponseTest {

  private final ServerSocket socket;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final List<String> heardOn = new CopyOnWriteArrayList<>();
  private final Thread acceptor;
  private volatile boolean trickle; // the first body comes a byte at a time, for ever
  private volatile boolean flood; // the first body comes as fast as it can, for ever

  StalledResponseTest() throws IOException {
    socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::serve, "stalling-server");
    acceptor.start();
  }

  /**
   * The first request gets headers and 10 of 100 promised body bytes, then nothing; or, with
   * {@link #trickle}, a chunked body of one byte every 100 ms that never ends.
   */
  private void serve() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        open.add(s);
        int n = connections.incrementAndGet();
        readRequest(s.getInputStream());
        OutputStream out = s.getOutputStream();
        if (n == 1 && (trickle || flood)) {
          Thread dripping = new Thread(() -> drip(out, flood), "trickling-body");
          dripping.setDaemon(true);
          dripping.start();
          continue;
        } else if (n == 1) {
          out.write(("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
              .getBytes(StandardCharsets.US_ASCII));
        } else {
          out.write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private static void drip(OutputStream out, boolean flood) {
    try {
      out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = ("2000\r\n" + "x".repeat(0x2000) + "\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      Object tick = new Object();
      while (true) {
        if (flood) {
          out.write(chunk); // 8 KiB, again and again, until the client hangs up
          continue;
        }
        out.write("1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        synchronized (tick) {
          tick.wait(100); // the drip rate of the hostile endpoint, not synchronisation
        }
      }
    } catch (IOException | InterruptedException closed) {
      // the client gave up, or the test closed the socket
    }
  }

  private static void readRequest(InputStream raw) throws IOException {
    InputStream in = new BufferedInputStream(raw);
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("request ended early");
      }
      head.append((char) b);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    in.readNBytes(length);
  }

  @AfterEach
  void stop() throws Exception {
    socket.close();
    for (Socket s : open) {
      s.close();
    }
    acceptor.join(10_000);
  }

  @Test
  void stalledBody_isEndedAtTheTimeout_andTakenAtItsStatus_andNoThreadOutlivesTheClient()
      throws Exception {
    endsAtTheTimeoutTakenAtItsStatus();
  }

  @Test
  void trickledBody_isEndedAtTheTimeoutToo_thoughEveryReadGetsAByte() throws Exception {
    trickle = true;
    endsAtTheTimeoutTakenAtItsStatus();
  }

  @Test
  void anEndlessBody_isReadTo64KiBOnly_andItsStatusCounts() throws Exception {
    flood = true;
    List<AttemptResult> attempts = new CopyOnWriteArrayList<>();
    WebhookDelivery d = send(attempts);
    // Read for ever, it would hold the exchange until the 2 s request timeout.
    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(d.attempts()).isEqualTo(1);
    assertThat(attempts).singleElement().satisfies(a -> assertThat(a.status()).isEqualTo(200));
  }

  private void endsAtTheTimeoutTakenAtItsStatus() throws Exception {
    Set<Thread> existing = WebhookClientCloseTest.clientThreadsNow();
    List<AttemptResult> attempts = new CopyOnWriteArrayList<>();
    WebhookDelivery d = send(attempts);
    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(d.attempts()).isEqualTo(1);
    assertThat(attempts).singleElement().satisfies(a -> {
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.duration()).isBetween(Duration.ofMillis(1_900), Duration.ofSeconds(10));
    });
    assertThat(connections.get()).as("not sent again").isEqualTo(1);
    // Ended by the deadline: the timer thread only fires it.
    assertThat(heardOn).singleElement().asString().matches("webhook-client-\\d+");
    for (Thread t : WebhookClientCloseTest.clientThreads(existing)) {
      t.join(10_000);
    }
    assertThat(WebhookClientCloseTest.clientThreads(existing)).isEmpty();
  }

  private WebhookDelivery send(List<AttemptResult> attempts) throws Exception {
    WebhookClient client = WebhookClient.builder().secret("s3cret")
        // 2 s: the retry's request must be answered within it on a loaded machine too.
        .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(2))
        .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(10)).jitter(0)
            .build())
        .listener(new DeliveryListener() {
          @Override
          public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
            attempts.add(attempt);
            heardOn.add(Thread.currentThread().getName());
          }
        })
        .build();
    WebhookDelivery d;
    try {
      d = client.send(URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/hook"),
          WebhookMessage.of(Event.builder(DynamicEvent.of("t", Map.of())).id("stall")
              .timestamp(Instant.EPOCH).build())).get(20, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
    return d;
  }
}
