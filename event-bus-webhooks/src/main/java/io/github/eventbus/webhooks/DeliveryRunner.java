package io.github.eventbus.webhooks;

import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Settings;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each delivery's attempts to an end: the outbox record (written beside the first attempt),
 * attempts through the endpoint's gate, a decision after each, retries on the scheduler, and
 * one ending that is recorded, told to the listeners and completes the caller's future. At close
 * it drains: it waits until nothing is in flight or due within the drain time, then abandons the
 * rest.
 */
final class DeliveryRunner {

  private static final Logger log = LoggerFactory.getLogger(WebhookClient.class);
  /** How long a drain waits, past its time, for answers that came to be settled. */
  static final long ANSWER_GRACE_MILLIS = 2_000;

  private final SignedPost post;
  private final RetryRules rules;
  private final DeliveryEvents events;
  private final OutboxRecords outbox;
  private final Clock clock;
  private final ScheduledExecutorService retries;
  private static final long LOOK_AGAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private final Executor background; // the HTTP threads: where work hops to rather than nest
  private final int perEndpoint;
  /** How many URLs that answered 410 Gone the client remembers. */
  static final int GONE_REMEMBERED = 1_000;

  private final Map<String, EndpointGate> gates = new ConcurrentHashMap<>();
  private final Set<OutgoingDelivery> active = ConcurrentHashMap.newKeySet();
  /** Endpoints that answered 410: for this client's lifetime, nothing more is sent to them. */
  // The URLs that answered 410, up to 1,000, the oldest forgotten first (Guava's bound may
  // evict a little early): one forgotten costs one request.
  private final Set<URI> gone = java.util.Collections.newSetFromMap(
      com.google.common.cache.CacheBuilder.newBuilder().maximumSize(GONE_REMEMBERED)
          .<URI, Boolean>build().asMap());
  /**
   * What an outbox record's outcome has yet to be told ({@link Recorded}, {@link Abandoned}):
   * handed to the HTTP threads, never told on the outbox writer's; see tellUntold.
   */
  private final Set<Runnable> untold = ConcurrentHashMap.newKeySet();
  private final Object progress = new Object(); // drain() waits on it
  private final RateLimitedLog outboxFailures;
  private final RateLimitedLog retryFailures;
  private volatile boolean stopped;

  DeliveryRunner(SignedPost post, RetryRules rules, DeliveryEvents events, OutboxRecords outbox,
      Clock clock, ScheduledExecutorService retries, Executor background, int perEndpoint) {
    this.post = post;
    this.rules = rules;
    this.events = events;
    this.outbox = outbox;
    this.clock = clock;
    this.retries = retries;
    this.background = background;
    this.perEndpoint = perEndpoint;
    this.outboxFailures = new RateLimitedLog(log, clock, Duration.ofMinutes(1));
    this.retryFailures = new RateLimitedLog(log, clock, Duration.ofMinutes(1));
  }

  /** Takes a new send on: a delivery of its own, with records of its own in the outbox. */
  CompletableFuture<WebhookDelivery> accept(URI endpoint, WebhookMessage message) {
    return accept(endpoint, message, outbox.newKey(message, endpoint), true);
  }

  /**
   * Takes a delivery kept in the outbox on, under its key: a pending one resumes (its record is
   * there already), a dead one is re-driven (recorded pending again, which replaces it).
   */
  CompletableFuture<WebhookDelivery> accept(Outbox.Entry kept) {
    return accept(kept.endpoint(), kept.message(), kept.key(), kept.dead());
  }

  /**
   * Takes a delivery on and makes its first attempt at once. With {@code record} and an outbox,
   * its record is appended first (so a later {@code done} or {@code dead} follows it in the file)
   * and {@code accepted} is told once the record is on disk: the fsync runs beside the first
   * attempt instead of before it, and nothing waits for it.
   */
  private CompletableFuture<WebhookDelivery> accept(URI endpoint, WebhookMessage message,
      String outboxKey, boolean record) {
    EndpointGate gate = gates.compute(EndpointGate.gateKey(endpoint),
        (k, g) -> (g != null ? g : new EndpointGate(perEndpoint)).use());
    OutgoingDelivery d = new OutgoingDelivery(endpoint, message, gate, outboxKey);
    if (record && outbox.enabled()) {
      d.recorded = outbox.accepted(d); // before a drain can see the delivery
    }
    active.add(d);
    if (d.recorded != null) {
      d.recorded.whenComplete((written, error) -> hand(new Recorded(d, error)));
    } else {
      events.tell("accepted", l -> l.accepted(message, endpoint));
    }
    attempt(d);
    return d.done;
  }

  /** Hands a telling to the HTTP threads; once they are stopped, close() tells it. */
  private void hand(Runnable told) {
    untold.add(told);
    try {
      background.execute(told);
    } catch (RejectedExecutionException closing) {
      // close() tells it (tellUntold), not the outbox writer's thread that completed the record
    }
  }

  /**
   * Tells what the HTTP threads were stopped before telling: for close(), once they are stopped,
   * and again once the outbox is closed. A durable record's {@code accepted} is never lost to a
   * close. With {@code settledOnly}, an abandoned delivery whose record is still on its way is
   * left for the second call; that call tells it not kept if the outbox could not settle it.
   */
  void tellUntold(boolean settledOnly) {
    for (Runnable told : untold) {
      if (!(settledOnly && told instanceof Abandoned a && a.kept == null)) {
        told.run();
      }
    }
  }

  /** What became of a delivery's outbox record, to tell once, on whichever thread gets it first. */
  private final class Recorded implements Runnable {
    private final OutgoingDelivery d;
    private final Throwable error;

    Recorded(OutgoingDelivery d, Throwable error) {
      this.d = d;
      this.error = error;
    }

    @Override
    public void run() {
      if (!untold.remove(this)) {
        return;
      }
      if (error != null) {
        outboxFailures.warn("outbox", "A webhook delivery could not be recorded in the outbox;"
            + " it is sent but would not survive a crash", error);
        return;
      }
      events.tell("accepted", l -> l.accepted(d.message, d.endpoint));
    }
  }

  /** A delivery abandoned while its record was on its way: told once the record settled. */
  private final class Abandoned implements Runnable {
    private final OutgoingDelivery d;
    private final WebhookDelivery result;
    volatile Boolean kept; // null until the record is written (true) or has failed (false)

    Abandoned(OutgoingDelivery d, WebhookDelivery result) {
      this.d = d;
      this.result = result;
    }

    @Override
    public void run() {
      if (untold.remove(this)) {
        boolean written = Boolean.TRUE.equals(kept);
        events.tell("abandoned", l -> l.abandoned(d.message, result, written));
      }
    }
  }

  /** Makes the next attempt when the endpoint's gate lets it through. */
  private void attempt(OutgoingDelivery d) {
    d.retryAt = null;
    if (stopped) {
      finish(d, DeliveryOutcome.ABANDONED, null);
      return;
    }
    if (gone.contains(d.endpoint)) {
      endGone(d);
      return;
    }
    d.gate.enter(() -> {
      if (stopped) {
        d.gate.leave();
        finish(d, DeliveryOutcome.ABANDONED, null);
      } else if (gone.contains(d.endpoint)) { // answered 410 while this one waited at the gate
        // Ended elsewhere: ended here, its leave() would let the next waiting one in inside this
        // one, and a long queue would nest that deep on one stack.
        elsewhere(() -> {
          d.gate.leave();
          endGone(d);
        });
      } else {
        postOnce(d);
      }
    });
  }

  /** Ends a delivery to an endpoint that answered 410 before, without a request. */
  private void endGone(OutgoingDelivery d) {
    d.lastStatus = 410;
    d.lastError = "the endpoint answered 410 Gone before; nothing more is sent to it";
    // Numbered as the attempt that was not made: attempt d.attempts has a line of its own.
    finish(d, DeliveryOutcome.GONE,
        new AttemptResult(d.endpoint, d.attempts + 1, 410, d.lastError, Duration.ZERO));
  }

  private void postOnce(OutgoingDelivery d) {
    int attempt = ++d.attempts;
    Instant now = clock.instant();
    if (d.firstAttempt == null) {
      d.firstAttempt = now;
    }
    events.tell("attemptStarted", l -> l.attemptStarted(d.message, d.endpoint, attempt));
    long start = System.nanoTime();
    CompletableFuture<SignedPost.Answer> answer = post.post(d.endpoint, d.message, now);
    Runnable then = () -> answer.thenAccept(a -> {
      if (RetryRules.isGone(a)) {
        gone.add(d.endpoint); // before the gate lets an attempt waiting for it through
      }
      d.gate.leave();
      if (!d.holdAnswer()) { // abandoned by a drain first: its record stays as it is
        return;
      }
      d.lastStatus = a.status();
      d.lastError = a.errorText();
      AttemptResult result = new AttemptResult(d.endpoint, attempt, d.lastStatus, d.lastError,
          Duration.ofNanos(System.nanoTime() - start));
      events.tell("attemptFinished", l -> l.attemptFinished(d.message, result));
      afterAttempt(d, a, result);
    });
    if (!answer.isDone()) {
      then.run();
      return;
    }
    // answered at once (a refused target): go on elsewhere, or the gate's leave() would start
    // the next waiting attempt inside this one, as deep as the queue is long
    elsewhere(then);
  }

  /** Runs {@code work} on the HTTP threads, or here if they are stopping. */
  private void elsewhere(Runnable work) {
    try {
      background.execute(work);
    } catch (RejectedExecutionException closing) {
      work.run();
    }
  }

  /**
   * Settles an attempt's answer. Once the client is closing, an answer that came is still
   * settled (a 2xx is a delivery, whatever close() is doing), but no retry is made, and an
   * attempt that got no answer (cancelled by the close, say) is not counted as a failure.
   */
  private void afterAttempt(OutgoingDelivery d, SignedPost.Answer answer, AttemptResult result) {
    if (stopped && answer.status() == 0) {
      finish(d, DeliveryOutcome.ABANDONED, null);
      return;
    }
    Instant now = clock.instant();
    RetryRules.Decision decision = rules.decide(answer, d.attempts, d.firstAttempt, now);
    switch (decision.verdict()) {
      case DELIVERED -> finish(d, DeliveryOutcome.DELIVERED, result);
      case GONE -> finish(d, DeliveryOutcome.GONE, result);
      case REJECTED -> finish(d, DeliveryOutcome.REJECTED, result);
      case EXHAUSTED -> finish(d, DeliveryOutcome.EXHAUSTED, result);
      case RETRY -> {
        if (stopped) {
          finish(d, DeliveryOutcome.ABANDONED, null);
          return;
        }
        Instant at = now.plus(decision.delay());
        d.retryAt = at;
        d.reopen();
        if (stopped) { // a drain began meanwhile and left it to this answer: end it here
          finish(d, DeliveryOutcome.ABANDONED, null);
          return;
        }
        events.tell("retryScheduled", l -> l.retryScheduled(d.message, result, at));
        try {
          // The scheduler only wakes the retry: its attempt (signing, the address check, the
          // listeners) runs on the HTTP threads, not on the timer or on a user's scheduler.
          retries.schedule(() -> elsewhere(() -> attempt(d)), Settings.nanos(decision.delay()),
              TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // a scheduler of the user's, shut down or failing
          if (!stopped) {
            retryFailures.warn("schedule", "The retry scheduler refused a webhook retry; the"
                + " delivery is abandoned ({})", outbox.enabled()
                ? "pending in the outbox for the next client" : "dead-lettered", e);
          }
          finish(d, DeliveryOutcome.ABANDONED, null);
        }
        signalProgress();
      }
      default -> throw new AssertionError(decision);
    }
  }

  /**
   * Ends a delivery once: records it, tells the listeners, completes the caller's future, and only
   * then leaves the active set, so that a drain (and so {@code close()}) cannot return while a
   * listener is still being told of a delivery that ended in time. (An abandoned delivery whose
   * outbox record is on its way is told later, by the end of {@code close()}: tellAbandoned.)
   */
  private void finish(OutgoingDelivery d, DeliveryOutcome outcome, AttemptResult last) {
    if (d.claimEnd(outcome)) {
      settle(d, outcome, last);
    }
  }

  private void settle(OutgoingDelivery d, DeliveryOutcome outcome, AttemptResult last) {
    WebhookDelivery result = d.result(outcome);
    outbox.finished(d, outcome);
    switch (outcome) {
      case DELIVERED -> events.tell("delivered", l -> l.delivered(d.message, last, result));
      case GONE -> events.tell("gone", l -> l.gone(d.message, last, result));
      case REJECTED -> events.tell("rejected", l -> l.rejected(d.message, last, result));
      case EXHAUSTED -> events.tell("exhausted", l -> l.exhausted(d.message, last, result));
      case ABANDONED -> tellAbandoned(d, result);
      default -> throw new AssertionError(outcome);
    }
    gates.computeIfPresent(EndpointGate.gateKey(d.endpoint),
        (k, g) -> g == d.gate ? g.release() : g);
    d.done.complete(result);
    active.remove(d);
    signalProgress();
  }

  /**
   * Tells that a delivery was abandoned, and whether it stays in the outbox: only if its record
   * was written. One whose record is still on its way is told on an HTTP thread once the record
   * is written or has failed, or by close() once the outbox is closed; one whose record failed
   * takes the path of a client without an outbox (a dead letter).
   */
  private void tellAbandoned(OutgoingDelivery d, WebhookDelivery result) {
    CompletableFuture<Void> recorded = d.recorded;
    if (recorded == null || recorded.isDone()) {
      boolean kept = outbox.enabled() && (recorded == null || !recorded.isCompletedExceptionally());
      events.tell("abandoned", l -> l.abandoned(d.message, result, kept));
      return;
    }
    Abandoned told = new Abandoned(d, result);
    untold.add(told); // so that close() tells it even if the record never settles
    recorded.whenComplete((written, error) -> {
      told.kept = error == null;
      try {
        background.execute(told); // not added again: close() may have told it already
      } catch (RejectedExecutionException closing) {
        // close() tells it (tellUntold)
      }
    });
  }

  private void signalProgress() {
    synchronized (progress) {
      progress.notifyAll();
    }
  }

  /** How many endpoint gates are kept: one per origin with unfinished deliveries. */
  int gateCount() {
    return gates.size();
  }

  /**
   * Lets deliveries finish for up to {@code timeout}: waits while any is in flight, waiting at its
   * gate or for the outbox, or due for a retry within the time; then cancels what is in flight
   * and abandons every unfinished delivery, except those whose answer came and is being settled:
   * for those it waits {@link #ANSWER_GRACE_MILLIS} more at most.
   *
   * @return how many deliveries were abandoned
   */
  int drain(Duration timeout) {
    long deadline = System.nanoTime() + Settings.nanos(timeout);
    Instant lastUsefulRetry = clock.instant().plus(timeout);
    // A retry queued on a scheduler that has since terminated (a user's, shut down with
    // shutdownNow) never runs: not worth waiting for.
    awaitProgress(deadline, () -> active.stream()
        .anyMatch(d -> d.dueBy(lastUsefulRetry, !retries.isTerminated())));
    stopped = true;
    List<OutgoingDelivery> left = new ArrayList<>(active);
    gates.values().forEach(EndpointGate::forgetWaiting); // each of those is in left
    post.cancelAll(); // their answers end them as abandoned, too
    for (OutgoingDelivery d : left) {
      if (d.claimEndUnlessAnswered(DeliveryOutcome.ABANDONED)) {
        settle(d, DeliveryOutcome.ABANDONED, null);
      }
    }
    // Settled means recorded and told, and so no longer active.
    awaitProgress(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_GRACE_MILLIS),
        () -> left.stream().anyMatch(active::contains));
    for (OutgoingDelivery d : left) {
      if (d.claimEnd(DeliveryOutcome.ABANDONED)) { // an answer still not settled after the grace
        settle(d, DeliveryOutcome.ABANDONED, null);
      }
    }
    // Each is ended now, here or by its own answer; one whose listeners were being told of
    // another outcome when the drain ended was still active, and is not counted.
    return (int) left.stream().filter(d -> d.endedAs() == DeliveryOutcome.ABANDONED).count();
  }

  /** Waits, until {@code deadline} (nanoTime) at most, while {@code busy} holds. */
  private void awaitProgress(long deadline, java.util.function.BooleanSupplier busy) {
    synchronized (progress) {
      while (busy.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          // Looks again at least every 100 ms: a scheduler ending tells nobody.
          TimeUnit.NANOSECONDS.timedWait(progress, Math.min(left, LOOK_AGAIN_NANOS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
