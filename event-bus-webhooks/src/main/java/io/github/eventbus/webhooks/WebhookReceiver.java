package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Metadata;
import io.github.eventbus.TypeNames;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives webhooks over HTTP, verifies them, drops duplicates, and publishes each accepted event
 * onto a bus: as the class {@linkplain Builder#register registered} for its {@code event_type}, or
 * as a {@link DynamicEvent}, with its {@code event_id}, {@code timestamp} and {@code source}.
 *
 * <pre>{@code
 * try (WebhookReceiver receiver = WebhookReceiver.builder(bus)
 *     .verifier(WebhookVerifier.builder().secret(secret).build())
 *     .build()) {
 *   receiver.start();                 // 127.0.0.1, an ephemeral port, path /webhooks
 *   URI target = receiver.uri();
 * }
 * }</pre>
 *
 * <p>The body is the original design's payload: a JSON object with {@code event_type} (required,
 * a valid type name), {@code data} (required, an object), and optional {@code event_id} (else the
 * request's webhook id), {@code timestamp} (Unix seconds or ISO-8601; else now) and {@code source}
 * (else {@code webhook}).
 *
 * <p>Answers: 202 accepted; 200 for a duplicate id within the dedupe window (saying so); 400
 * malformed; 401 bad signature, missing signature or stale timestamp; 405 not POST; 413 body over
 * the limit (1 MiB by default, checked before hashing); 415 not JSON; 503 if the bus refused the
 * event. Bad input never produces a 500 and never reaches the bus. {@link #handle} gives the same
 * answers to any other HTTP stack.
 *
 * <p><b>Threads.</b> {@link #start()} starts the JDK's built-in HTTP server with two daemon threads
 * named {@code webhook-receiver-<n>}; {@link #close()} stops them.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class WebhookReceiver implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookReceiver.class);

  private final EventBus bus;
  private final WebhookVerifier verifier;
  private final InetSocketAddress address;
  private final String path;
  private final int maxBodyBytes;
  private final Clock clock;
  private final RecentIds recent;
  private final Map<String, Class<?>> types;
  private final ObjectMapper mapper = JsonLinesWriter.defaultMapper();
  private HttpServer server;
  private ExecutorService threads;

  private WebhookReceiver(Builder b) {
    this.bus = b.bus;
    this.verifier = requireNonNull(b.verifier, "verifier");
    this.address = b.address != null ? b.address : new InetSocketAddress("127.0.0.1", 0);
    this.path = b.path != null ? b.path : "/webhooks";
    this.maxBodyBytes = b.maxBodyBytes > 0 ? b.maxBodyBytes : 1024 * 1024;
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.recent = new RecentIds(b.dedupeWindow != null ? b.dedupeWindow : Duration.ofMinutes(10),
        100_000);
    this.types = Map.copyOf(b.types);
  }

  /**
   * Starts configuring a receiver that publishes onto a bus.
   *
   * @param bus the bus
   * @return a builder
   */
  public static Builder builder(EventBus bus) {
    return new Builder(requireNonNull(bus, "bus"));
  }

  /**
   * Starts the HTTP server. Idempotent.
   *
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  public synchronized void start() {
    if (server != null) {
      return;
    }
    try {
      server = HttpServer.create(address, 64);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot listen on " + address, e);
    }
    AtomicInteger count = new AtomicInteger();
    threads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "webhook-receiver-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(threads);
    server.createContext(path, this::exchange);
    server.start();
  }

  /**
   * Returns the URI to send webhooks to.
   *
   * @return for example {@code http://127.0.0.1:40123/webhooks}
   * @throws IllegalStateException if not started
   */
  public URI uri() {
    if (server == null) {
      throw new IllegalStateException("start() the receiver first");
    }
    InetSocketAddress bound = server.getAddress();
    return URI.create("http://" + bound.getHostString() + ":" + bound.getPort() + path);
  }

  /** Stops the HTTP server and its threads. Idempotent. */
  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
      threads.shutdownNow();
      server = null;
    }
  }

  private void exchange(HttpExchange exchange) throws IOException {
    ReceiverResponse response;
    try {
      String length = exchange.getRequestHeaders().getFirst("Content-Length");
      if (length != null && parseLength(length) > maxBodyBytes) {
        response = tooLarge();
      } else {
        byte[] body = readAtMost(exchange.getRequestBody(), maxBodyBytes + 1);
        response = handle(exchange.getRequestMethod(), exchange.getRequestHeaders(), body);
      }
    } catch (RuntimeException | IOException e) {
      log.warn("Webhook receiver failed on a request: {}", e.toString());
      response = ReceiverResponse.of(500, "error", null, null);
    }
    byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    if (response.status() == 405) {
      exchange.getResponseHeaders().set("Allow", "POST");
    }
    exchange.sendResponseHeaders(response.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Reads at most {@code limit} bytes and no more: an oversized body is not drained (the server
   * closes the connection instead), so a client cannot make the receiver read without bound.
   */
  private static byte[] readAtMost(InputStream in, int limit) throws IOException {
    return in.readNBytes(limit);
  }

  private ReceiverResponse tooLarge() {
    return ReceiverResponse.of(413, "rejected", "reason", "body larger than " + maxBodyBytes + " bytes");
  }

  /**
   * Handles one request from any HTTP stack, with the same answers as the built-in server.
   *
   * @param method the HTTP method
   * @param headers the request headers, any case; values may be strings or lists of strings
   * @param body the raw body, at most the limit plus one byte is enough to tell it is too large
   * @return the answer to send
   */
  public ReceiverResponse handle(String method, Map<String, ?> headers, byte[] body) {
    if (!"POST".equalsIgnoreCase(method)) {
      return ReceiverResponse.of(405, "rejected", "reason", "only POST is accepted");
    }
    if (body.length > maxBodyBytes) {
      return tooLarge();
    }
    Headers h = Headers.of(headers);
    String contentType = h.get("Content-Type");
    if (contentType == null || !isJson(contentType)) {
      return ReceiverResponse.of(415, "rejected", "reason", "Content-Type must be application/json");
    }
    Verification verification = verifier.verify(body, headers);
    if (!verification.isValid()) {
      int status = verification.failure() == VerificationFailure.MALFORMED ? 400 : 401;
      return ReceiverResponse.of(status, "rejected", "reason", verification.detail());
    }
    Event<?> event;
    try {
      event = parse(body, verification.webhookId());
    } catch (IllegalArgumentException | IOException e) {
      return ReceiverResponse.of(400, "rejected", "reason", "malformed payload: " + e.getMessage());
    }
    Instant now = clock.instant();
    String key = verification.webhookId() != null ? verification.webhookId() : event.id();
    synchronized (recent) {
      if (recent.contains(key, now)) {
        return ReceiverResponse.of(200, "duplicate", "event_id", event.id());
      }
      try {
        bus.publish(event);
      } catch (RuntimeException refused) {
        return ReceiverResponse.of(503, "retry", "reason", "the bus did not accept the event");
      }
      recent.add(key, now);
    }
    return ReceiverResponse.of(202, "accepted", "event_id", event.id());
  }

  private static boolean isJson(String contentType) {
    String type = contentType.toLowerCase(Locale.ROOT).split(";")[0].strip();
    return type.equals("application/json") || type.endsWith("+json");
  }

  private Event<?> parse(byte[] body, String webhookId) throws IOException {
    JsonNode root = mapper.readTree(body);
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonNode typeNode = root.get("event_type");
    if (typeNode == null || !typeNode.isTextual() || !TypeNames.isValid(typeNode.asText())) {
      throw new IllegalArgumentException("event_type is missing or not a valid type name");
    }
    String type = typeNode.asText();
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw new IllegalArgumentException("data is missing or not an object");
    }
    String id = text(root, "event_id", webhookId);
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("event_id is missing and the request has no webhook id");
    }
    Object payload;
    Class<?> registered = types.get(type);
    if (registered != null) {
      payload = mapper.treeToValue(data, registered);
    } else {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = mapper.convertValue(data, HashMap.class);
      payload = DynamicEvent.of(type, map);
    }
    return Event.builder(payload).id(id).timestamp(timestamp(root.get("timestamp")))
        .source(text(root, "source", "webhook"))
        .metadata(webhookId == null ? Metadata.empty()
            : Metadata.builder().header("webhook_id", webhookId).build())
        .build();
  }

  private Instant timestamp(JsonNode node) {
    if (node == null || node.isNull()) {
      return clock.instant();
    }
    if (node.isNumber()) {
      return Instant.ofEpochMilli(Math.round(node.asDouble() * 1000));
    }
    if (node.isTextual()) {
      return Instant.parse(node.asText());
    }
    throw new IllegalArgumentException("timestamp must be Unix seconds or ISO-8601");
  }

  private static String text(JsonNode root, String field, String fallback) {
    JsonNode node = root.get(field);
    return node != null && node.isTextual() ? node.asText() : fallback;
  }

  @Override
  public String toString() {
    return "WebhookReceiver{" + (server != null ? uri() : address + path) + ", " + verifier + "}";
  }

  /** Configures a {@link WebhookReceiver}. Not thread-safe. */
  public static final class Builder {
    private final EventBus bus;
    private WebhookVerifier verifier;
    private InetSocketAddress address;
    private String path;
    private int maxBodyBytes;
    private Duration dedupeWindow;
    private Clock clock;
    private final Map<String, Class<?>> types = new HashMap<>();

    private Builder(EventBus bus) {
      this.bus = bus;
    }

    /**
     * Sets the verifier; required.
     *
     * @param verifier the verifier
     * @return this builder
     */
    public Builder verifier(WebhookVerifier verifier) {
      this.verifier = requireNonNull(verifier, "verifier");
      return this;
    }

    /**
     * Sets the address to listen on; default 127.0.0.1 with an ephemeral port.
     *
     * @param address the address
     * @return this builder
     */
    public Builder bind(InetSocketAddress address) {
      this.address = requireNonNull(address, "address");
      return this;
    }

    /**
     * Sets the path; default {@code /webhooks}.
     *
     * @param path a path starting with '/'
     * @return this builder
     * @throws IllegalArgumentException if it does not start with '/'
     */
    public Builder path(String path) {
      if (!requireNonNull(path, "path").startsWith("/")) {
        throw new IllegalArgumentException("path must start with '/', but was " + path);
      }
      this.path = path;
      return this;
    }

    /**
     * Limits the body size; default 1 MiB.
     *
     * @param bytes a positive size
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBodyBytes(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxBodyBytes must be positive, but was " + bytes);
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * Sets how long ids are remembered to drop duplicates; default 10 minutes. Keep it at least
     * the verifier's timestamp tolerance.
     *
     * @param window a positive duration
     * @return this builder
     */
    public Builder dedupeWindow(Duration window) {
      this.dedupeWindow = requireNonNull(window, "window");
      return this;
    }

    /**
     * Sets the clock of de-duplication and missing timestamps.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Registers event classes, by type name, to publish typed payloads.
     *
     * @param eventClasses the classes
     * @return this builder
     */
    public Builder register(Class<?>... eventClasses) {
      for (Class<?> c : eventClasses) {
        types.put(TypeNames.of(c), c);
      }
      return this;
    }

    /**
     * Builds the receiver; {@link WebhookReceiver#start()} starts it.
     *
     * @return the receiver
     * @throws NullPointerException if no verifier was set
     */
    public WebhookReceiver build() {
      return new WebhookReceiver(this);
    }
  }
}
