package io.github.eventbus.benchmarks;

import io.github.eventbus.EventBus;
import io.github.eventbus.webhooks.SignatureScheme;
import io.github.eventbus.webhooks.Verification;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookSecret;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Requests per second through the receiver's HTTP server from 50 concurrent keep-alive clients
 * (raw sockets, one request in flight each, 1 KiB signed Standard Webhooks requests, each with a
 * new id), verified, de-duplicated and published onto a bus; beside the floor: the same server
 * and the same requests, answered 202 by a scheme that does not verify (and keys
 * de-duplication on the body's id). The ratio is what verification costs on top of HTTP,
 * parsing and publishing.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@Threads(50)
public class ReceiverBenchmark {

  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final AtomicLong IDS = new AtomicLong();

  /** Accepts every request without looking at it: the floor. */
  static final class NoVerification implements SignatureScheme {
    @Override
    public Verification verify(
        byte[] body, Map<String, ?> headers, List<WebhookSecret> secrets, Instant now) {
      return new Verification(null, null, null);
    }

    @Override
    public Map<String, String> sign(
        String id, Instant timestamp, byte[] body, List<WebhookSecret> secrets) {
      return Map.of();
    }
  }

  /** One receiver, on its own bus. */
  public abstract static class Server {
    EventBus bus;
    WebhookReceiver receiver;
    URI uri;

    abstract SignatureScheme scheme();

    @Setup(Level.Trial)
    public void start() {
      bus = EventBus.builder().name("bench-receiver").build();
      bus.subscribe("*", e -> { });
      receiver = WebhookReceiver.builder(bus).maxRememberedIds(20_000_000)
          .publishTimeout(Duration.ofSeconds(5))
          .verifier(WebhookVerifier.builder().scheme(scheme()).secret(SECRET).build()).build();
      receiver.start();
      uri = receiver.uri();
    }

    @TearDown(Level.Trial)
    public void stop() {
      receiver.close();
      bus.close();
    }
  }

  /** The verifying receiver. */
  @State(Scope.Benchmark)
  public static class Verifying extends Server {
    @Override
    SignatureScheme scheme() {
      return SignatureScheme.standardWebhooks();
    }
  }

  /** The same server, not verifying. */
  @State(Scope.Benchmark)
  public static class Floor extends Server {
    @Override
    SignatureScheme scheme() {
      return new NoVerification();
    }
  }

  /** One keep-alive client connection per benchmark thread. */
  public abstract static class Client {
    final List<WebhookSecret> secrets = List.of(WebhookSecret.of(SECRET));
    final SignatureScheme signer = SignatureScheme.standardWebhooks();
    final String pad = "x".repeat(900);
    Socket socket;
    OutputStream out;
    InputStream in;
    URI uri;

    void connect(Server server) throws IOException {
      uri = server.uri;
      socket = new Socket(uri.getHost(), uri.getPort());
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream());
    }

    /** Sends one signed request with a new id and returns the status. */
    int exchange() throws IOException {
      String id = "evt-" + IDS.incrementAndGet();
      // The timestamp is required where a scheme signs none (the floor's), and harmless elsewhere.
      byte[] body = ("{\"event_type\":\"bench\",\"event_id\":\"" + id + "\",\"timestamp\":"
          + Instant.now().getEpochSecond() + ",\"data\":{\"pad\":\"" + pad + "\"}}")
          .getBytes(StandardCharsets.UTF_8);
      StringBuilder head = new StringBuilder(400).append("POST ").append(uri.getPath())
          .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n");
      signer.sign("msg-" + id, Instant.now(), body, secrets)
          .forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      int status = readAnswer();
      if (status != 202) {
        throw new IllegalStateException("the receiver answered " + status + ", not 202");
      }
      return status;
    }

    private int readAnswer() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream(64);
      int status = -1;
      int length = 0;
      while (true) {
        line.reset();
        int b;
        while ((b = in.read()) != '\n') {
          if (b < 0) {
            throw new IOException("the receiver closed the connection");
          }
          line.write(b);
        }
        String text = line.toString(StandardCharsets.US_ASCII).strip();
        if (text.isEmpty()) {
          break;
        }
        if (status < 0) {
          status = Integer.parseInt(text.substring(9, 12));
        } else if (text.regionMatches(true, 0, "Content-Length:", 0, 15)) {
          length = Integer.parseInt(text.substring(15).strip());
        }
      }
      in.readNBytes(length);
      return status;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A client of the verifying receiver. */
  @State(Scope.Thread)
  public static class VerifyingClient extends Client {
    @Setup(Level.Trial)
    public void open(Verifying server) throws IOException {
      connect(server);
    }
  }

  /** A client of the floor. */
  @State(Scope.Thread)
  public static class FloorClient extends Client {
    @Setup(Level.Trial)
    public void open(Floor server) throws IOException {
      connect(server);
    }
  }

  @Benchmark
  public int verified(VerifyingClient client) throws IOException {
    return client.exchange();
  }

  @Benchmark
  public int floorWithoutVerification(FloorClient client) throws IOException {
    return client.exchange();
  }
}
