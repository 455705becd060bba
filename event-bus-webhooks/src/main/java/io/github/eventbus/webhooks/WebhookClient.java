package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.EventBus;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.internal.CloseOnce;
import io.github.eventbus.internal.FilePaths;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.internal.WrittenFiles;
import io.github.eventbus.jsonl.WriteErrorHandler;
import io.github.eventbus.jsonl.WriterStats;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.DoubleSupplier;

/**
 * Sends signed webhooks with retries, on the JDK's {@link HttpClient}.
 *
 * <pre>{@code
 * try (WebhookClient client = WebhookClient.builder().secret(System.getenv("WEBHOOK_SIGNATURE_SECRET"))
 *     .attemptLog(Path.of("logs/webhooks/webhook_attempts.jsonl")).deadLetters(bus).build()) {
 *   client.send(URI.create("https://example.com/hooks"), WebhookMessage.of(event))
 *       .thenAccept(d -> System.out.println(d.outcome()));
 * } // close() waits up to 30 s for the delivery to finish
 * }</pre>
 *
 * <p><b>Signing.</b> Every attempt carries the Standard Webhooks headers ({@code webhook-id}, the
 * message id, the same on every attempt; {@code webhook-timestamp} and {@code webhook-signature},
 * new on every attempt, with one signature per active secret) and
 * {@code X-Webhook-Signature: sha256=<hex>} (first secret).
 *
 * <p><b>Policy.</b> Connect timeout 5 s and request timeout 15 s by default; the request timeout
 * covers the whole exchange, response body included. Only 2xx is success; an answer is its
 * status, even if its body is then cut off, or stalls until the request timeout ends the
 * exchange (a 2xx is not sent again). Network errors,
 * timeouts, 408, 425, 429, 5xx and 3xx (redirects are not followed) are retried by the
 * {@link RetryPolicy} (default: 5 attempts, exponential from 1 s, up to 5 min apart, jitter 0.2),
 * waiting on a scheduler, never blocking a thread; a {@code Retry-After} of seconds or an
 * HTTP-date sets the next delay instead, at least the policy's first delay (so {@code 0} does
 * not mean back to back) and at most 1 hour ({@code maxRetryAfter}, which wins if shorter). 410
 * ends the delivery as
 * {@link DeliveryOutcome#GONE} (logged, dead-lettered, and the URL is remembered: later
 * deliveries to it end so without a request); any other 4xx ends it at once as {@link DeliveryOutcome#REJECTED}
 * (a 401 or 403 also logs one WARN per endpoint and hour naming the likely cause: the secret or
 * the clock). With {@link Builder#publicAddressesOnly()}, the target is checked again before every
 * attempt. At most 8 requests per endpoint origin (scheme, host and port) are in flight at once
 * (configurable).
 *
 * <p><b>Failures are never silent.</b> A rejected or exhausted delivery is logged (rate-limited),
 * reported to the {@linkplain Builder#listener listeners} and, with
 * {@link Builder#deadLetters(EventBus)}, published as a {@link DeadLetter} whose cause is a
 * {@link WebhookDeliveryException} carrying the status.
 *
 * <p><b>Outbox.</b> With {@link Builder#outbox(Path)}, each delivery is recorded when it is sent
 * (records appended together share one fsync, forced beside the first attempt; no thread waits
 * for the disk; {@link DeliveryListener#accepted} tells when a record is durable) and survives
 * {@code close()} and crashes: a client built on the same file resumes them ({@link #resumed()}),
 * and rejected or exhausted ones stay there to {@link #redrive(String) re-drive} by id. One
 * client at a time has an outbox file open (an operating-system lock on {@code <file>.lock}).
 *
 * <p><b>Closing.</b> {@link #close()} refuses new sends and lets deliveries in flight, waiting at
 * their endpoint's gate, or due for a retry within the {@linkplain Builder#drainTimeout drain
 * timeout} (default 30 s) finish. What is left ends as {@link DeliveryOutcome#ABANDONED}: with an
 * outbox it stays pending for the next client (one INFO line with the count); without one, each
 * takes the dead-letter path and the count is logged at WARN.
 *
 * <p><b>Attempt log.</b> Each attempt is a line of the JSON Lines attempt log: id, endpoint,
 * attempt, status or error, duration, next retry time and outcome; never a secret.
 *
 * <p><b>Threads.</b> The client owns two daemon threads {@code webhook-client-<n>} for HTTP
 * (answers, errors and timeouts are handled there, not on the JDK's shared pool; the JDK still
 * tells an error, such as a refused connection, through that pool, so an application keeping
 * {@code ForkJoinPool.commonPool()} busy past the request timeout turns it into a timeout) and
 * one {@code webhook-client-timer} for request deadlines and, unless a scheduler is given,
 * retries; with an outbox or an attempt log, each has its writer's thread
 * {@code jsonl-writer-<file name>}. {@link #close()} stops them all and returns once they have
 * ended, or, for a thread that ignores its interrupt, after waiting a second for it. Host names
 * are looked up before each attempt on up to four daemon threads
 * {@code webhook-client-dns-<n>}, made as needed, within the attempt's request timeout: a host
 * whose DNS stalls holds one of them (attempts to one host share its lookup), not the HTTP
 * threads, and its attempt times out; a lookup stuck in the system resolver cannot be
 * interrupted and may outlive close(). The JDK client then finds the addresses in the JVM's
 * address cache ({@code networkaddress.cache.ttl}, 30 seconds by default; set to 0, it looks them
 * up again on the HTTP threads). On Java 21 and later it also shuts down the JDK client's own
 * selector thread; on Java 17 that thread ends when the client is garbage-collected.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class WebhookClient implements AutoCloseable {

  private final List<WebhookSecret> secrets;
  private final RetryRules retryRules;
  private final AttemptLog attemptLog; // null: no attempt log
  private final ClientThreads threads;
  private final SignedPost post;
  private final OutboxRecords outbox;
  private final DeliveryRunner runner;
  private final OutboxDriver outboxDriver;
  private final Duration drainTimeout;
  private final List<CompletableFuture<WebhookDelivery>> resumed;
  private final CloseOnce closing = new CloseOnce();

  private WebhookClient(Builder b) {
    this.secrets = List.copyOf(b.secrets);
    Clock clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.drainTimeout = b.drainTimeout != null ? b.drainTimeout : Duration.ofSeconds(30);
    if (b.attemptLog != null) {
      // Before the outbox is opened, which may rewrite it: a refused build leaves it as it was.
      WrittenFiles.refuseIfWritten(b.attemptLog);
    }
    // First: an outbox that cannot be opened fails the build before any thread exists.
    this.outbox = new OutboxRecords(b.outbox, b.writeErrors);
    List<DeliveryListener> listeners = new ArrayList<>();
    listeners.add(new DeliveryFailureLog(clock));
    this.attemptLog = b.attemptLog == null ? null : openAttemptLog(b, clock, outbox);
    if (attemptLog != null) {
      listeners.add(attemptLog);
    }
    ClientThreads started = null;
    try {
      if (b.deadLetters != null) {
        listeners.add(new DeadLetterPublisher(b.deadLetters, clock));
      }
      listeners.addAll(b.listeners);
      DeliveryEvents events = new DeliveryEvents(listeners, clock);
      DoubleSupplier jitter = b.jitter;
      this.retryRules = RetryRules.withDefaults(b.retry, b.maxRetryAfter,
          jitter == null ? null : () -> events.jitter(jitter));
      started = new ClientThreads(
          b.connectTimeout != null ? b.connectTimeout : Duration.ofSeconds(5), b.resolver);
      this.threads = started;
      this.post = new SignedPost(threads.http(), threads.lookups(), secrets,
          b.requestTimeout != null ? b.requestTimeout : Duration.ofSeconds(15),
          Boolean.TRUE.equals(b.publicOnly), threads.timer(), threads.httpThreads());
      this.runner = new DeliveryRunner(post, retryRules, events, outbox,
          clock, b.scheduler != null ? b.scheduler : threads.timer(), threads.httpThreads(),
          b.perEndpoint != null ? b.perEndpoint : 8);
      this.outboxDriver = new OutboxDriver(outbox, b.outbox, runner);
      this.resumed = outboxDriver.resumePending();
    } catch (RuntimeException | Error e) {
      // A build that fails leaves no thread, and no file held, behind.
      if (started != null) {
        started.shutdownNow();
      }
      if (attemptLog != null) {
        attemptLog.close();
      }
      outbox.close();
      throw e;
    }
  }

  /** Opens the attempt log; if it cannot be, closes the outbox opened before, then throws. */
  private static AttemptLog openAttemptLog(Builder b, Clock clock, OutboxRecords opened) {
    try {
      return new AttemptLog(b.attemptLog, clock, b.writeErrors);
    } catch (RuntimeException | Error e) {
      opened.close();
      throw e;
    }
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
   * Sends a message to an endpoint, retrying as the policy allows. Returns without waiting for
   * the endpoint (with {@link Builder#publicAddressesOnly()}, after a DNS lookup); with an
   * outbox, the delivery's record is appended now and forced to disk beside the first attempt
   * ({@link DeliveryListener#accepted} tells when it is durable).
   *
   * @param endpoint an http or https URL without user info
   * @param message the message
   * @return completes with the delivery's final result
   * @throws IllegalArgumentException if the URL is not acceptable
   * @throws IllegalStateException if the client is closed
   */
  public CompletableFuture<WebhookDelivery> send(URI endpoint, WebhookMessage message) {
    requireNonNull(message, "message");
    post.checkTarget(requireNonNull(endpoint, "endpoint"));
    if (closing.isClosed()) {
      throw new IllegalStateException("the webhook client is closed");
    }
    return runner.accept(endpoint, message);
  }

  /** Applies this client's target check (the address guard included) without sending. */
  URI checkTarget(URI endpoint) {
    return post.checkTarget(endpoint);
  }

  /**
   * Returns the deliveries resumed from the outbox when this client was built: those a previous
   * client left pending, because it closed or crashed before they ended. Rejected and exhausted
   * ones are not resumed (see {@link #deadDeliveryIds()}), nor gone ones.
   *
   * @return one future per resumed delivery; empty without an outbox
   */
  public List<CompletableFuture<WebhookDelivery>> resumed() {
    return resumed;
  }

  /**
   * Lists the ids of rejected and exhausted deliveries kept in the outbox.
   *
   * @return the ids; empty without an outbox
   */
  public List<String> deadDeliveryIds() {
    return outboxDriver.deadIds();
  }

  /**
   * Sends a rejected or exhausted delivery again, with a fresh set of attempts. Each dead delivery
   * is re-driven once: it is no longer dead when this returns, so a second call for the same id,
   * even at the same time from another thread, returns an empty list unless the re-drive failed
   * again.
   *
   * @param id the webhook id
   * @return one future per dead delivery of the id: one per endpoint it was sent to, more where
   *     it was sent to one endpoint more than once (each send is a delivery); empty if none
   * @throws IllegalStateException if the client is closed
   */
  public List<CompletableFuture<WebhookDelivery>> redrive(String id) {
    requireNonNull(id, "id");
    if (closing.isClosed()) {
      throw new IllegalStateException("the webhook client is closed");
    }
    return outboxDriver.redrive(id);
  }

  /**
   * Forgets a rejected or exhausted delivery for good: it is no longer listed by
   * {@link #deadDeliveryIds()}, re-driven, or read from the outbox by later clients (its body
   * leaves memory, and the file at its next compaction). For deliveries that no endpoint will
   * take and that you have dealt with otherwise; the dead letter told of each when it failed.
   *
   * @param id the webhook id
   * @return how many dead deliveries of that id (one per send: per endpoint, unless it was sent
   *     to one more than once) were forgotten; 0 if none
   * @throws IllegalStateException if the client is closed
   */
  public int discardDead(String id) {
    requireNonNull(id, "id");
    if (closing.isClosed()) {
      throw new IllegalStateException("the webhook client is closed");
    }
    return outboxDriver.discard(id);
  }

  /**
   * Waits until the attempt log holds every attempt so far. After {@link #close()}, which
   * flushes the log, returns at once.
   *
   * @throws IllegalStateException if the lines could not all be written: the log's buffer is
   *     full (its file has not been writable for long, and lines past the buffer are dropped), or
   *     a {@code close()} running meanwhile gave them up; either way they are counted in
   *     {@link #attemptLogStats()}
   */
  public void flushLog() {
    if (attemptLog != null && !closing.isClosed()) {
      attemptLog.flush();
    }
  }

  /** How many endpoint origins the client keeps a request limit for: those with deliveries. */
  int endpointGates() {
    return runner.gateCount();
  }

  /**
   * Returns the counts of the attempt log's writer: lines appended, written and pending, and
   * failed writes, which {@link Builder#writeErrorHandler} is told of one by one.
   *
   * @return the counts now; empty without an attempt log
   */
  public Optional<WriterStats> attemptLogStats() {
    return attemptLog == null ? Optional.empty() : Optional.of(attemptLog.stats());
  }

  /**
   * Returns the counts of the outbox's writer: records appended, written (forced to disk) and
   * pending, and failed writes, which {@link Builder#writeErrorHandler} is told of one by one. A
   * record that is pending is not yet durable: {@link DeliveryListener#accepted} waits for it.
   *
   * @return the counts now; empty without an outbox
   */
  public Optional<WriterStats> outboxStats() {
    return outbox.stats();
  }

  /**
   * Refuses new sends, lets unfinished deliveries finish for up to the drain timeout, then ends
   * the rest as {@link DeliveryOutcome#ABANDONED} and reports them (see the class comment); closes
   * the attempt log and the outbox and stops the threads the client created. Idempotent; a second
   * call returns once the first has finished.
   */
  @Override
  public void close() {
    closing.close(this::stop);
  }

  private void stop() {
    outboxDriver.reportAbandoned(runner.drain(drainTimeout), drainTimeout);
    threads.shutdownNow();
    runner.tellUntold(true);
    // Closing the outbox settles the records still on their way; a delivery abandoned before its
    // record settled is told then, before the attempt log, which hears it too, is closed.
    outbox.close();
    runner.tellUntold(false);
    if (attemptLog != null) {
      attemptLog.close();
    }
  }

  @Override
  public String toString() {
    return "WebhookClient{" + secrets.size() + " secret(s), " + retryRules + "}";
  }

  /**
   * Configures a {@link WebhookClient}. Not thread-safe. Each option may be set once, except
   * {@link #secret} and {@link #listener}, which add one more each time.
   */
  public static final class Builder {
    private final List<WebhookSecret> secrets = new ArrayList<>();
    private Duration connectTimeout;
    private Duration requestTimeout;
    private RetryPolicy retry;
    private Duration maxRetryAfter;
    private DoubleSupplier jitter;
    private Clock clock;
    private ScheduledExecutorService scheduler;
    private Boolean publicOnly;
    private Integer perEndpoint;
    private EventBus deadLetters;
    private Path attemptLog;
    private Path outbox;
    private WriteErrorHandler writeErrors;
    private Duration drainTimeout;
    private HostLookups.Resolver resolver; // null: the system resolver
    private final List<DeliveryListener> listeners = new ArrayList<>();

    private Builder() {}

    /** Replaces the system resolver, for tests of a lookup that stalls or fails. */
    Builder resolver(HostLookups.Resolver resolver) {
      this.resolver = Settings.setOnce(this.resolver, resolver, "resolver");
      return this;
    }

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
     * @throws IllegalArgumentException if a timeout is not positive
     * @throws IllegalStateException if already set
     */
    public Builder timeouts(Duration connect, Duration request) {
      Duration checkedConnect = Settings.positive(connect, "connect");
      Duration checkedRequest = Settings.positive(request, "request");
      this.connectTimeout = Settings.setOnce(this.connectTimeout, checkedConnect, "timeouts");
      this.requestTimeout = checkedRequest;
      return this;
    }

    /**
     * Sets the retry policy.
     *
     * @param retry the policy
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder retry(RetryPolicy retry) {
      this.retry = Settings.setOnce(this.retry, retry, "retry");
      return this;
    }

    /**
     * Caps how long a {@code Retry-After} may make the client wait; default 1 hour. A shorter
     * {@code Retry-After} is raised to the retry policy's first delay, unless this cap is shorter.
     *
     * @param max the cap
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxRetryAfter(Duration max) {
      this.maxRetryAfter = Settings.setOnce(this.maxRetryAfter,
          Settings.positive(max, "maxRetryAfter"), "maxRetryAfter");
      return this;
    }

    /**
     * Sets the source of retry jitter, numbers in {@code [0, 1]}. A number outside that range, or
     * a source that throws (logged, rate-limited), means no jitter for that retry.
     *
     * @param source a thread-safe supplier
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder jitterSource(DoubleSupplier source) {
      this.jitter = Settings.setOnce(this.jitter, source, "jitterSource");
      return this;
    }

    /**
     * Sets the clock of signatures, the attempt log and retry timing.
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
     * Waits for retries on your scheduler; the client never shuts it down. The scheduler only
     * wakes a retry: the attempt itself (signing, the address check, listener calls) runs on the
     * client's HTTP threads. Once it refuses a retry (shut down, say), that delivery is
     * abandoned, with a WARN.
     *
     * @param scheduler the scheduler
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Settings.setOnce(this.scheduler, scheduler, "scheduler");
      return this;
    }

    /**
     * Refuses endpoints that resolve to loopback, private, link-local, carrier-grade NAT,
     * unique-local or other non-public addresses; for URLs that users supply. Checked in
     * {@code send}, which therefore waits for the host's DNS lookup on the calling thread (a
     * refused address fails the call), and again before every attempt. Off by default.
     *
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder publicAddressesOnly() {
      this.publicOnly = Settings.setOnce(this.publicOnly, Boolean.TRUE, "publicAddressesOnly");
      return this;
    }

    /**
     * Bounds the requests in flight per endpoint origin (scheme, host and port: {@code /a} and
     * {@code /b} on one host share it, and so do spellings of one origin, such as
     * {@code HTTP://Example.com} and {@code http://example.com:80}); default 8.
     *
     * @param limit at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     * @throws IllegalStateException if already set
     */
    public Builder maxInFlightPerEndpoint(int limit) {
      this.perEndpoint = Settings.setOnce(this.perEndpoint,
          Settings.positive(limit, "maxInFlightPerEndpoint"), "maxInFlightPerEndpoint");
      return this;
    }

    /**
     * Adds a listener for delivery events; listeners hear events in the order they were added,
     * after the client's own (failure log, attempt log, dead letters).
     *
     * @param listener a thread-safe, non-blocking listener
     * @return this builder
     */
    public Builder listener(DeliveryListener listener) {
      listeners.add(requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets how long {@link WebhookClient#close()} lets unfinished deliveries finish; default 30 s.
     * An answer that came by then is still settled, for two seconds more at most.
     *
     * @param timeout zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = Settings.setOnce(this.drainTimeout,
          Settings.nonNegative(timeout, "drainTimeout"), "drainTimeout");
      return this;
    }

    /**
     * Publishes a {@link DeadLetter} on this bus for each rejected or exhausted delivery, and for
     * each abandoned (at close, or a retry refused) without an outbox, or whose outbox record
     * could not be written; its cause is a
     * {@link WebhookDeliveryException}.
     * The bus hands it only to {@code DeadLetter} subscribers.
     *
     * @param bus the bus
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder deadLetters(EventBus bus) {
      this.deadLetters = Settings.setOnce(this.deadLetters, bus, "deadLetters");
      return this;
    }

    /**
     * Logs every attempt to a JSON Lines file, such as {@code logs/webhooks/webhook_attempts.jsonl}:
     * one line per finished attempt, whatever its outcome ({@code retrying}, {@code delivered},
     * {@code gone}, {@code rejected}, {@code exhausted}), and one for each delivery abandoned at
     * {@link WebhookClient#close()} ({@code abandoned}, with {@code kept_in_outbox}).
     *
     * @param file the file
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder attemptLog(Path file) {
      this.attemptLog = Settings.setOnce(this.attemptLog, file, "attemptLog");
      return this;
    }

    /**
     * Keeps deliveries not yet finished in a file (JSON Lines, forced to disk, group-committed) so
     * that a client built later on the same file resumes them, and rejected or exhausted ones can
     * be re-driven by id. Delivery is at least once: a crash between a 2xx and its record means
     * one more send.
     *
     * @param file the outbox file, such as {@code logs/webhooks/outbox.jsonl}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder outbox(Path file) {
      this.outbox = Settings.setOnce(this.outbox, file, "outbox");
      return this;
    }

    /**
     * Sets who is told when the attempt log or the outbox cannot be written (the directory cannot
     * be created, a write or fsync fails), in place of the default rate-limited WARN. Either keeps
     * what it could not write and retries; each failure is also counted
     * ({@link WebhookClient#attemptLogStats()}, {@link WebhookClient#outboxStats()}). Default:
     * none, the counts and the WARN.
     *
     * @param handler the handler, told the file; called as {@link WriteErrorHandler} says (also
     *     on a sending thread whose line was dropped)
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder writeErrorHandler(WriteErrorHandler handler) {
      this.writeErrors = Settings.setOnce(this.writeErrors, handler, "writeErrorHandler");
      return this;
    }

    /**
     * Builds the client; with an outbox, resumes its unfinished deliveries at once.
     *
     * @return the client
     * @throws IllegalStateException if no secret was added, or the outbox is in use by another
     *     client (in this process or another; each outbox file has one client at a time), or its
     *     file has another hard link (where the file system counts links; a symbolic link is
     *     followed instead), or another writer in this process (a client's attempt log, an audit
     *     log, a handler's log) writes the outbox or the attempt log or files named as its, until
     *     its thread has ended
     * @throws IllegalArgumentException if the outbox and the attempt log are one file
     * @throws java.io.UncheckedIOException if the outbox cannot be opened or rewritten (for
     *     example, its path is a directory); no thread has been started then
     */
    public WebhookClient build() {
      if (secrets.isEmpty()) {
        throw new IllegalStateException("add at least one signing secret with secret(...)");
      }
      if (outbox != null && attemptLog != null && sameFile(outbox, attemptLog)) {
        // attempt lines in the outbox would be read back as damaged records
        throw new IllegalArgumentException("outbox and attemptLog must be different files");
      }
      return new WebhookClient(this);
    }

    private static boolean sameFile(Path a, Path b) {
      try {
        if (Files.exists(a) && Files.exists(b)) {
          return Files.isSameFile(a, b); // hard links too
        }
        return FilePaths.whereItLeads(a).equals(FilePaths.whereItLeads(b));
      } catch (java.io.IOException unreadable) {
        return false; // opening them says what is wrong
      }
    }
  }
}
