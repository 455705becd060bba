package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.EventBus;
import io.github.eventbus.RetryPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/**
 * Sends signed webhooks with retries, on the JDK's {@link HttpClient}.
 *
 * <pre>{@code
 * try (WebhookClient client = WebhookClient.builder().secret(System.getenv("WEBHOOK_SIGNATURE_SECRET"))
 *     .attemptLog(Path.of("logs/webhooks/webhook_attempts.jsonl")).deadLetters(bus).build()) {
 *   client.send(URI.create("https://example.com/hooks"), WebhookMessage.of(event))
 *       .thenAccept(d -> System.out.println(d.outcome()));
 * }
 * }</pre>
 *
 * <p><b>Signing.</b> Every attempt carries the Standard Webhooks headers ({@code webhook-id}, the
 * message id, the same on every attempt; {@code webhook-timestamp} and {@code webhook-signature},
 * new on every attempt, with one signature per active secret) and the original design's
 * {@code X-Webhook-Signature: sha256=<hex>} (first secret).
 *
 * <p><b>Policy.</b> Connect timeout 5 s and request timeout 15 s by default. Only 2xx is success;
 * redirects are not followed (a 3xx is a failed attempt); 410 stops and reports
 * {@link DeliveryOutcome#GONE}; any other status and network errors are retried by the
 * {@link RetryPolicy} (default: 5 attempts, exponential from 1 s, up to 5 min apart, jitter 0.2),
 * waiting on a scheduler, never blocking a thread. A {@code Retry-After} of seconds or an HTTP-date
 * sets the next delay instead, clamped to at most 1 hour. At most 8 requests per endpoint are in
 * flight at once (configurable). After the last attempt, the delivery becomes a
 * {@link DeadLetter} published on the {@linkplain Builder#deadLetters dead-letter bus}.
 *
 * <p><b>Outbox.</b> With {@link Builder#outbox(Path)}, deliveries not yet finished survive
 * {@code close()} and crashes: a client built on the same file resumes them ({@link #resumed()}),
 * and exhausted ones stay there to {@link #redrive(String) re-drive} by id.
 *
 * <p><b>Attempt log.</b> Each attempt is a line of the JSON Lines attempt log: id, endpoint,
 * attempt, status or error, duration, next retry time and outcome; never a secret.
 *
 * <p><b>Threads.</b> The client owns two daemon threads {@code webhook-client-<n>} for HTTP and,
 * unless a scheduler is given, one {@code webhook-client-retry} thread; {@link #close()} stops them.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class WebhookClient implements AutoCloseable {

  private final List<WebhookSecret> secrets;
  private final RetryRules retryRules;
  private final Clock clock;
  private final boolean publicOnly;
  private final int perEndpoint;
  private final AttemptLog attemptLog; // null: no attempt log
  private final DeliveryEvents events;
  private final ExecutorService httpThreads;
  private final SignedPost post;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Map<String, EndpointGate> gates = new ConcurrentHashMap<>();
  private final Set<OutgoingDelivery> active = ConcurrentHashMap.newKeySet();
  private final OutboxRecords outbox;
  private final List<CompletableFuture<WebhookDelivery>> resumed;
  private volatile boolean closed;

  private WebhookClient(Builder b) {
    this.secrets = List.copyOf(b.secrets);
    this.retryRules = new RetryRules(
        b.retry != null ? b.retry : RetryPolicy.builder().maxAttempts(5)
            .initialDelay(Duration.ofSeconds(1)).multiplier(2).maxDelay(Duration.ofMinutes(5))
            .jitter(0.2).build(),
        b.maxRetryAfter,
        b.jitter != null ? b.jitter : () -> ThreadLocalRandom.current().nextDouble());
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.publicOnly = b.publicOnly;
    this.perEndpoint = b.perEndpoint;
    List<DeliveryListener> listeners = new ArrayList<>();
    this.attemptLog = b.attemptLog == null ? null : new AttemptLog(b.attemptLog, clock);
    if (attemptLog != null) {
      listeners.add(attemptLog);
    }
    if (b.deadLetters != null) {
      listeners.add(new DeadLetterPublisher(b.deadLetters, clock));
    }
    this.events = new DeliveryEvents(listeners);
    AtomicInteger count = new AtomicInteger();
    this.httpThreads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "webhook-client-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.post = new SignedPost(HttpClient.newBuilder().connectTimeout(b.connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER).executor(httpThreads).build(),
        secrets, b.requestTimeout);
    this.ownsScheduler = b.scheduler == null;
    this.scheduler = b.scheduler != null ? b.scheduler
        : Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "webhook-client-retry");
          t.setDaemon(true);
          return t;
        });
    this.outbox = new OutboxRecords(b.outbox);
    List<CompletableFuture<WebhookDelivery>> resumedNow = new ArrayList<>();
    for (Outbox.Entry e : outbox.pending()) {
      resumedNow.add(accept(e.endpoint(), e.message(), false));
    }
    this.resumed = List.copyOf(resumedNow);
  }

  /**
   * Starts configuring a client.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Sends a message to an endpoint, retrying as the policy allows.
   *
   * @param endpoint an http or https URL without user info
   * @param message the message
   * @return completes with the delivery's final result
   * @throws IllegalArgumentException if the URL is not acceptable
   * @throws IllegalStateException if the client is closed
   */
  public CompletableFuture<WebhookDelivery> send(URI endpoint, WebhookMessage message) {
    requireNonNull(message, "message");
    TargetUrls.check(requireNonNull(endpoint, "endpoint"), publicOnly);
    if (closed) {
      throw new IllegalStateException("the webhook client is closed");
    }
    return accept(endpoint, message, true);
  }

  /** Takes a delivery on: records it in the outbox if asked, then makes its first attempt. */
  private CompletableFuture<WebhookDelivery> accept(
      URI endpoint, WebhookMessage message, boolean record) {
    OutgoingDelivery delivery = new OutgoingDelivery(endpoint, message, gates.computeIfAbsent(
        endpoint.getScheme() + "://" + endpoint.getAuthority(), k -> new EndpointGate(perEndpoint)));
    if (record) {
      outbox.accepted(delivery); // on disk before the first attempt
    }
    active.add(delivery);
    attempt(delivery);
    return delivery.done;
  }

  /**
   * Returns the deliveries resumed from the outbox when this client was built: those a previous
   * client left unfinished (closed or crashed before they were delivered, gone or exhausted).
   *
   * @return one future per resumed delivery; empty without an outbox
   */
  public List<CompletableFuture<WebhookDelivery>> resumed() {
    return resumed;
  }

  /**
   * Lists the ids of exhausted deliveries kept in the outbox.
   *
   * @return the ids; empty without an outbox
   */
  public List<String> deadDeliveryIds() {
    return outbox.dead().stream().map(Outbox.Entry::id).toList();
  }

  /**
   * Sends an exhausted delivery again, with a fresh set of attempts.
   *
   * @param id the webhook id
   * @return one future per endpoint the id was dead for; empty if none
   * @throws IllegalStateException if the client is closed
   */
  public List<CompletableFuture<WebhookDelivery>> redrive(String id) {
    requireNonNull(id, "id");
    if (closed) {
      throw new IllegalStateException("the webhook client is closed");
    }
    List<CompletableFuture<WebhookDelivery>> sent = new ArrayList<>();
    for (Outbox.Entry e : outbox.dead()) {
      if (e.id().equals(id)) {
        sent.add(accept(e.endpoint(), e.message(), true));
      }
    }
    return sent;
  }

  /** Makes the next attempt when the endpoint's gate lets it through. */
  private void attempt(OutgoingDelivery d) {
    if (closed) {
      finish(d, DeliveryOutcome.ABANDONED, null);
      return;
    }
    d.gate.enter(() -> postOnce(d));
  }

  private void postOnce(OutgoingDelivery d) {
    int attempt = ++d.attempts;
    Instant now = clock.instant();
    if (d.firstAttempt == null) {
      d.firstAttempt = now;
    }
    events.attemptStarted(d.message, d.endpoint, attempt);
    long start = System.nanoTime();
    post.post(d.endpoint, d.message, now).thenAccept(answer -> {
      d.gate.leave();
      d.lastStatus = answer.status();
      d.lastError = answer.errorText();
      AttemptResult result = new AttemptResult(d.endpoint, attempt, d.lastStatus, d.lastError,
          Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
      events.attemptFinished(d.message, result);
      afterAttempt(d, answer, result);
    });
  }

  private void afterAttempt(OutgoingDelivery d, SignedPost.Answer answer, AttemptResult result) {
    if (closed) {
      finish(d, DeliveryOutcome.ABANDONED, null);
      return;
    }
    Instant now = clock.instant();
    RetryRules.Decision decision = retryRules.decide(answer, d.attempts, d.firstAttempt, now);
    switch (decision.verdict()) {
      case DELIVERED -> finish(d, DeliveryOutcome.DELIVERED, result);
      case GONE -> finish(d, DeliveryOutcome.GONE, result);
      case EXHAUSTED -> finish(d, DeliveryOutcome.EXHAUSTED, result);
      case RETRY -> {
        if (closed) {
          finish(d, DeliveryOutcome.EXHAUSTED, result);
          return;
        }
        events.retryScheduled(d.message, result, now.plus(decision.delay()));
        try {
          scheduler.schedule(() -> attempt(d), decision.delay().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          finish(d, DeliveryOutcome.ABANDONED, null);
        }
      }
      default -> throw new AssertionError(decision);
    }
  }

  /** Ends a delivery once: records it, tells the listeners, completes the caller's future. */
  private void finish(OutgoingDelivery d, DeliveryOutcome outcome, AttemptResult last) {
    if (!active.remove(d)) {
      return;
    }
    WebhookDelivery result = d.result(outcome);
    outbox.finished(d, outcome);
    switch (outcome) {
      case DELIVERED -> events.delivered(d.message, last, result);
      case GONE -> events.gone(d.message, last, result);
      case EXHAUSTED -> events.exhausted(d.message, last, result);
      case ABANDONED -> events.abandoned(d.message, result);
      default -> throw new AssertionError(outcome);
    }
    d.done.complete(result);
  }

  /** Waits until the attempt log holds every attempt so far. */
  public void flushLog() {
    if (attemptLog != null) {
      attemptLog.flush();
    }
  }

  /**
   * Stops retrying (pending deliveries complete as {@link DeliveryOutcome#ABANDONED}), closes the
   * attempt log and stops the threads the client created. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    for (OutgoingDelivery d : new ArrayList<>(active)) {
      finish(d, DeliveryOutcome.ABANDONED, null);
    }
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
    httpThreads.shutdownNow();
    if (attemptLog != null) {
      attemptLog.close();
    }
    outbox.close();
  }

  @Override
  public String toString() {
    return "WebhookClient{" + secrets.size() + " secret(s), " + retryRules + "}";
  }

  /** Configures a {@link WebhookClient}. Not thread-safe. */
  public static final class Builder {
    private final List<WebhookSecret> secrets = new ArrayList<>();
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(15);
    private RetryPolicy retry;
    private Duration maxRetryAfter = Duration.ofHours(1);
    private DoubleSupplier jitter;
    private Clock clock;
    private ScheduledExecutorService scheduler;
    private boolean publicOnly;
    private int perEndpoint = 8;
    private EventBus deadLetters;
    private Path attemptLog;
    private Path outbox;

    private Builder() {}

    /**
     * Adds a signing secret; the first is the primary, all are used for Standard Webhooks.
     *
     * @param secret {@code whsec_...} or a raw string
     * @return this builder
     */
    public Builder secret(String secret) {
      secrets.add(WebhookSecret.of(secret));
      return this;
    }

    /**
     * Sets the timeouts.
     *
     * @param connect connect timeout, default 5 s
     * @param request whole-request timeout, default 15 s
     * @return this builder
     */
    public Builder timeouts(Duration connect, Duration request) {
      this.connectTimeout = requireNonNull(connect, "connect");
      this.requestTimeout = requireNonNull(request, "request");
      return this;
    }

    /**
     * Sets the retry policy.
     *
     * @param retry the policy
     * @return this builder
     */
    public Builder retry(RetryPolicy retry) {
      this.retry = requireNonNull(retry, "retry");
      return this;
    }

    /**
     * Caps how long a {@code Retry-After} may make the client wait; default 1 hour.
     *
     * @param max the cap
     * @return this builder
     */
    public Builder maxRetryAfter(Duration max) {
      this.maxRetryAfter = requireNonNull(max, "max");
      return this;
    }

    /**
     * Sets the source of retry jitter, numbers in {@code [0, 1]}.
     *
     * @param source a thread-safe supplier
     * @return this builder
     */
    public Builder jitterSource(DoubleSupplier source) {
      this.jitter = requireNonNull(source, "source");
      return this;
    }

    /**
     * Sets the clock of signatures, the attempt log and retry timing.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Waits for retries on your scheduler; the client never shuts it down.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Refuses endpoints that resolve to loopback, private, link-local, carrier-grade NAT,
     * unique-local or other non-public addresses; for URLs that users supply. Off by default.
     *
     * @return this builder
     */
    public Builder publicAddressesOnly() {
      this.publicOnly = true;
      return this;
    }

    /**
     * Bounds the requests in flight per endpoint; default 8.
     *
     * @param limit at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxInFlightPerEndpoint(int limit) {
      if (limit < 1) {
        throw new IllegalArgumentException("maxInFlightPerEndpoint must be positive, but was " + limit);
      }
      this.perEndpoint = limit;
      return this;
    }

    /**
     * Publishes a {@link DeadLetter} on this bus for each exhausted delivery.
     *
     * @param bus the bus
     * @return this builder
     */
    public Builder deadLetters(EventBus bus) {
      this.deadLetters = requireNonNull(bus, "bus");
      return this;
    }

    /**
     * Logs every attempt to a JSON Lines file, such as {@code logs/webhooks/webhook_attempts.jsonl}.
     *
     * @param file the file
     * @return this builder
     */
    public Builder attemptLog(Path file) {
      this.attemptLog = requireNonNull(file, "file");
      return this;
    }

    /**
     * Keeps deliveries not yet finished in a file (JSON Lines, forced to disk) so that a client
     * built later on the same file resumes them, and exhausted ones can be re-driven by id.
     * Delivery is at least once: a crash between a 2xx and its record means one more send.
     *
     * @param file the outbox file, such as {@code logs/webhooks/outbox.jsonl}
     * @return this builder
     */
    public Builder outbox(Path file) {
      this.outbox = requireNonNull(file, "file");
      return this;
    }

    /**
     * Builds the client; with an outbox, resumes its unfinished deliveries at once.
     *
     * @return the client
     * @throws IllegalStateException if no secret was added
     */
    public WebhookClient build() {
      if (secrets.isEmpty()) {
        throw new IllegalStateException("add at least one signing secret with secret(...)");
      }
      return new WebhookClient(this);
    }
  }
}
