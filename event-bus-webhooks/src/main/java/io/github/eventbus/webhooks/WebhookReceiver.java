package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.internal.Settings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Receives webhooks over HTTP, verifies them, drops replays, and publishes each accepted event
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
 * <p>The body is the payload {@link WebhookClient} sends: one JSON object in UTF-8 and nothing after it,
 * with {@code event_type} (required, a valid type name), {@code data} (required, an object), and
 * optional {@code event_id} (else the signed webhook id), {@code timestamp} (Unix seconds, or
 * an ISO-8601 instant with {@code Z} or an offset; else now) and {@code source} (else
 * {@code webhook}).
 *
 * <p><b>Answers.</b> 202 only when the bus accepted the event; 200 for an id accepted before,
 * within the de-duplication window (saying so); every client fault is a 4xx: 400 malformed
 * (framing, a short body, a bad or out-of-range field, trailing data, a malformed signature
 * header), 401 bad or missing signature or stale timestamp, 404 another path, 405 not POST, 408
 * too slow, 411 no length, 413 body over the limit (1 MiB by default, checked before hashing),
 * 415 not JSON, 431 header fields too large. 503 with {@code Retry-After} is the only 5xx, for
 * our side: the bus is closed, full, dropped the event or did not take it within the publish
 * timeout; the de-duplication memory is full; or every connection is in use. {@link #handle}
 * gives the same answers to any other HTTP stack; {@link #metrics()} counts them.
 *
 * <p><b>Order of checks.</b> Size, media type and signature come first, so an unsigned request is
 * answered at once whatever the bus is doing. The bus is then offered the event with a bound on
 * the wait, never while a lock is held (see {@link Builder#publishTimeout}).
 *
 * <p><b>Replays.</b> The de-duplication key is an id the signature covers: the {@code webhook-id}
 * for schemes that sign it (Standard Webhooks), otherwise the body's {@code event_id}, which is
 * then required. An id is remembered from acceptance for the de-duplication window and one second
 * (signed times are whole seconds), a window at least the scheme's {@linkplain
 * SignatureScheme#replayWindow replay window}; an id the bus dropped or rejected is not remembered,
 * so the sender's retry is published. A scheme that signs only the body signs no time but the
 * body's {@code timestamp}: for such schemes it is required (400 without it) and must lie within
 * half the de-duplication window of the clock, either way (401 otherwise), so that a captured
 * request stops verifying before its id is forgotten. Memory is bounded ({@link
 * Builder#maxRememberedIds}); when it is full the receiver answers 503 rather than forget an id
 * still inside the window.
 *
 * <p><b>HTTP server.</b> {@link #start()} serves a small strict HTTP/1.1 server of this module on
 * plain sockets, not the JDK's {@code com.sun.net.httpserver}: that server reads request headers
 * on its executor's threads with no deadline unless JVM-wide {@code sun.net.httpserver.*} system
 * properties are set, which a library must not impose on its host application. Here headers and
 * body are read under their own deadlines ({@link Builder#headerTimeout},
 * {@link Builder#bodyTimeout}), kept-alive connections wait at most {@link Builder#idleTimeout},
 * an answer that cannot be written within the body timeout closes its connection, a 4xx answer
 * closes its connection, and open connections are bounded ({@link Builder#maxConnections}); at
 * the bound, a rejected connection still discarding what its client sends, or else the
 * connection idle longest (between requests, or silent since it connected), makes room for a new
 * one. A stalled client delays only itself, and idle, silent or rejected ones cannot lock senders
 * out.
 *
 * <p><b>Logging.</b> Rejected requests are logged at DEBUG, with request text escaped and cut
 * short. Repeated verification failures raise one WARN a minute at most, naming the likely
 * cause (a wrong secret, clock skew, another scheme), never a secret or a header value.
 *
 * <p><b>Threads.</b> {@code webhook-receiver-accept}, {@code webhook-receiver-reaper}, one
 * {@code webhook-receiver-<n>} per open connection, and {@code webhook-receiver-publish-<n>} for
 * publishes in progress (created as needed, at most {@code maxConnections}); all daemon threads,
 * stopped by {@link #close()}.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class WebhookReceiver implements AutoCloseable {

  private final WebhookVerifier verifier;
  private final InetSocketAddress address;
  private final ReceiverPath path;
  private final HttpLimits limits;
  private final RecentIds recent;
  private final BusPublisher publisher;
  private final ReceiverCounters counters = new ReceiverCounters();
  private final ReceiverEndpoint endpoint;
  private ReceiverServer server; // guarded by this
  private final Clock clock;
  private boolean closed; // guarded by this

  private WebhookReceiver(Builder b) {
    this.verifier = requireNonNull(b.verifier, "verifier");
    this.address = b.address != null ? b.address : new InetSocketAddress("127.0.0.1", 0);
    this.path = b.path != null ? b.path : ReceiverPath.of("/webhooks");
    int maxBodyBytes = b.maxBodyBytes != null ? b.maxBodyBytes : 1024 * 1024;
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    Duration window = RecentIds.window(b.dedupeWindow, verifier.scheme());
    Duration retryAfter = b.retryAfter != null ? b.retryAfter : Duration.ofSeconds(5);
    this.limits = HttpLimits.receiver(b.headerTimeout, b.bodyTimeout, b.idleTimeout,
        b.maxConnections, maxBodyBytes);
    this.recent = new RecentIds(window,
        b.maxRememberedIds != null ? b.maxRememberedIds : 100_000);
    this.publisher = new BusPublisher(b.bus,
        b.publishTimeout != null ? b.publishTimeout : Duration.ofSeconds(1),
        limits.maxConnections());
    this.endpoint = new ReceiverEndpoint(path, new Intake(verifier, maxBodyBytes, clock,
        Math.max(1, (Settings.millis(retryAfter) + 999) / 1000), recent,
        new PayloadParser(b.types != null ? b.types : Map.of(), clock), publisher,
        new SignatureAlarm(clock, Duration.ofMinutes(1), 10),
        verifier.scheme().replayWindow().isPresent() ? null : window.dividedBy(2)), counters);
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
   * @throws IllegalStateException if the receiver was closed
   */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("the receiver is closed");
    }
    if (server == null) {
      server = new ReceiverServer(address, limits, endpoint, endpoint.busy(), clock);
    }
  }

  /**
   * Returns the URI to send webhooks to.
   *
   * @return for example {@code http://127.0.0.1:40123/webhooks}
   * @throws IllegalStateException if not started
   */
  public synchronized URI uri() {
    if (server == null) {
      throw new IllegalStateException("start() the receiver first");
    }
    InetSocketAddress bound = server.address();
    String host = bound.getHostString();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
        + bound.getPort() + path.path());
  }

  /**
   * Returns a snapshot of the receiver's counters.
   *
   * @return the counts of answers by outcome, open connections and remembered ids
   */
  public ReceiverMetrics metrics() {
    ReceiverServer s;
    synchronized (this) {
      s = server;
    }
    return counters.snapshot(s == null ? 0 : s.openConnections(), recent.size());
  }

  /**
   * Stops the HTTP server and the receiver's threads. Connections idle or still sending a request
   * are closed at once; a request already read whole is answered first (two seconds at most), so
   * that its sender learns whether the bus took the event: a publish still waiting for the bus is
   * interrupted, and so rejected by the bus and answered 503. A publish that ignores the
   * interrupt (a bus interceptor that does, say) cannot be stopped: its thread outlives this
   * call, its sender gets no answer, and the event may still be published after this returns,
   * so the sender's retry may publish it twice. Idempotent.
   */
  @Override
  public void close() {
    ReceiverServer s;
    synchronized (this) { // not held while waiting: metrics() stays available meanwhile
      closed = true;
      s = server;
    }
    // One grace for both: the answers wait for the publishes, so waits in turn would add up.
    long deadline = System.nanoTime()
        + TimeUnit.MILLISECONDS.toNanos(ReceiverServer.ANSWER_GRACE_MILLIS);
    if (s != null) {
      s.stopAccepting();
    }
    publisher.close(deadline);
    if (s != null) {
      s.close(deadline);
    }
  }

  /**
   * Handles one request from any HTTP stack, with the same answers as the built-in server (path
   * checks aside), counted in {@link #metrics()}. At most {@code maxConnections} publishes wait
   * for the bus at once; beyond that, and after {@link #close()}, a valid request gets 503.
   *
   * @param method the HTTP method
   * @param headers the request headers, any case; values may be strings or lists of strings
   * @param body the raw body; at most the limit plus one byte is enough to tell it is too large
   * @return the answer to send, with its header fields
   */
  public ReceiverResponse handle(String method, Map<String, ?> headers, byte[] body) {
    requireNonNull(method, "method");
    requireNonNull(headers, "headers");
    requireNonNull(body, "body");
    return endpoint.handle(method, headers, body);
  }

  @Override
  public String toString() {
    return "WebhookReceiver{" + address + path + ", " + verifier + "}";
  }

  /**
   * Configures a {@link WebhookReceiver}. Each option can be set once: a second call throws
   * {@link IllegalStateException} naming the option. Not thread-safe.
   */
  public static final class Builder {
    private final EventBus bus;
    private WebhookVerifier verifier;
    private InetSocketAddress address;
    private ReceiverPath path;
    private Integer maxBodyBytes;
    private Duration dedupeWindow;
    private Integer maxRememberedIds;
    private Clock clock;
    private Map<String, Class<?>> types;
    private Duration headerTimeout;
    private Duration bodyTimeout;
    private Duration idleTimeout;
    private Integer maxConnections;
    private Duration publishTimeout;
    private Duration retryAfter;

    private Builder(EventBus bus) {
      this.bus = bus;
    }

    /**
     * Sets the verifier; required.
     *
     * @param verifier the verifier
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder verifier(WebhookVerifier verifier) {
      this.verifier = Settings.setOnce(this.verifier, verifier, "verifier");
      return this;
    }

    /**
     * Sets the address to listen on; default 127.0.0.1 with an ephemeral port.
     *
     * @param address the address
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder bind(InetSocketAddress address) {
      this.address = Settings.setOnce(this.address, address, "bind");
      return this;
    }

    /**
     * Sets the path; default {@code /webhooks}. Requests to it and to paths beneath it (such as
     * {@code /webhooks/alerts}) are served; requests to other paths get 404, as do paths with a
     * {@code .} or {@code ..} segment. The path is given as a client sends it, percent-encoded
     * ({@code /hooks/%C3%BC}, not {@code /hooks/ü}); the hex digits of an encoding may be in
     * either case, in the path and in requests.
     *
     * @param path a URI path starting with '/', without a query or fragment
     * @return this builder
     * @throws IllegalArgumentException if it does not start with '/', has a query or fragment, a
     *     character a URI path must percent-encode (a space, a non-ASCII letter), a '%' not
     *     followed by two hex digits, or a dot segment
     * @throws IllegalStateException if already set
     */
    public Builder path(String path) {
      requireNonNull(path, "path");
      this.path = Settings.setOnce(this.path, ReceiverPath.of(path), "path");
      return this;
    }

    /**
     * Limits the body size; default 1 MiB. A larger body gets 413 before it is hashed.
     *
     * @param bytes a positive size
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxBodyBytes(int bytes) {
      this.maxBodyBytes = Settings.setOnce(this.maxBodyBytes,
          Settings.positive(bytes, "maxBodyBytes"), "maxBodyBytes");
      return this;
    }

    /**
     * Sets how long accepted ids are remembered to stop replays; default the larger of 10 minutes
     * and the scheme's {@linkplain SignatureScheme#replayWindow replay window}. For a scheme that
     * signs no timestamp, the body's {@code timestamp} must lie within half this window of the
     * clock: a sender whose retries of one message run longer needs a longer window.
     *
     * @param window a positive duration, at least the scheme's replay window
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder dedupeWindow(Duration window) {
      this.dedupeWindow = Settings.setOnce(this.dedupeWindow,
          Settings.positive(window, "dedupeWindow"), "dedupeWindow");
      return this;
    }

    /**
     * Bounds the ids remembered for de-duplication; default 100,000. When that many ids are
     * inside the window, new events get 503 until some expire: the receiver fails closed rather
     * than forget an id a replay could reuse. Size it to the accepted rate times the window.
     *
     * @param max a positive count
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxRememberedIds(int max) {
      this.maxRememberedIds = Settings.setOnce(this.maxRememberedIds,
          Settings.positive(max, "maxRememberedIds"), "maxRememberedIds");
      return this;
    }

    /**
     * Sets the clock of de-duplication, missing timestamps and the warning's rate limit.
     *
     * @param clock the clock
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder clock(Clock clock) {
      this.clock = Settings.setOnce(this.clock, clock, "clock");
      return this;
    }

    /**
     * Registers event classes, by type name, to publish typed payloads.
     *
     * @param eventClasses the classes, with distinct type names
     * @return this builder
     * @throws IllegalArgumentException if two classes have the same type name
     * @throws IllegalStateException if already set
     */
    public Builder register(Class<?>... eventClasses) {
      this.types = Settings.setOnce(this.types, PayloadParser.byTypeName(eventClasses),
          "register");
      return this;
    }

    /**
     * Sets how long a client may take from opening a connection (or starting a request on a
     * kept-alive one) to the end of the request's header fields; default 10 s. A client that
     * misses it gets 408 and is disconnected; one that sent nothing at all is disconnected
     * without an answer (it began no request).
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder headerTimeout(Duration timeout) {
      this.headerTimeout = Settings.setOnce(this.headerTimeout,
          Settings.positive(timeout, "headerTimeout"), "headerTimeout");
      return this;
    }

    /**
     * Sets how long a client may take to send the body after its header fields, and how long
     * writing an answer may take; default 30 s. A client that misses it is disconnected.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder bodyTimeout(Duration timeout) {
      this.bodyTimeout = Settings.setOnce(this.bodyTimeout,
          Settings.positive(timeout, "bodyTimeout"), "bodyTimeout");
      return this;
    }

    /**
     * Sets how long a kept-alive connection may wait for its next request; default 60 s.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = Settings.setOnce(this.idleTimeout,
          Settings.positive(timeout, "idleTimeout"), "idleTimeout");
      return this;
    }

    /**
     * Bounds the connections open at once, each served by its own thread; default 256. Beyond
     * it a new connection takes the place of the one idle longest (between kept-alive requests,
     * or silent since it connected; idle for 50 ms at least), which is closed (a request that
     * begins just then is answered 503); if none is idle, the new one is answered 503 with
     * {@code Retry-After} and closed. Request bodies in memory are bounded by this times
     * {@link #maxBodyBytes}.
     *
     * @param max a positive count
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxConnections(int max) {
      this.maxConnections = Settings.setOnce(this.maxConnections,
          Settings.positive(max, "maxConnections"), "maxConnections");
      return this;
    }

    /**
     * Sets how long a request waits for the bus to take its event; default 1 s. If the bus has
     * not decided by then (a full queue under {@code BLOCK} or {@code CALLER_RUNS}), the answer is
     * 503; the publish goes on, and if the bus takes the event after all its id is remembered,
     * so the sender's retry gets 200 duplicate rather than a second copy.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = Settings.setOnce(this.publishTimeout,
          Settings.positive(timeout, "publishTimeout"), "publishTimeout");
      return this;
    }

    /**
     * Sets the {@code Retry-After} sent with every 503, rounded up to whole seconds; default 5 s.
     *
     * @param delay a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder retryAfter(Duration delay) {
      this.retryAfter = Settings.setOnce(this.retryAfter,
          Settings.positive(delay, "retryAfter"), "retryAfter");
      return this;
    }

    /**
     * Builds the receiver; {@link WebhookReceiver#start()} starts it.
     *
     * @return the receiver
     * @throws IllegalStateException if no verifier was set, or the de-duplication window is
     *     shorter than the scheme's replay window
     */
    public WebhookReceiver build() {
      if (verifier == null) {
        throw new IllegalStateException("set the verifier that checks signatures with"
            + " verifier(WebhookVerifier.builder().secret(...).build())");
      }
      return new WebhookReceiver(this);
    }
  }
}
