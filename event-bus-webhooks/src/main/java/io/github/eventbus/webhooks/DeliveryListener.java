package io.github.eventbus.webhooks;

import java.net.URI;
import java.time.Instant;

/**
 * Hears what happens to a {@link WebhookClient}'s deliveries, in the style of OkHttp's
 * {@code EventListener}: every method has an empty default, so a listener overrides only what it
 * needs. Add listeners with {@link WebhookClient.Builder#listener}; the attempt log and
 * dead-letter publishing are listeners too.
 *
 * <p>For one delivery the calls come in order: per attempt {@code attemptStarted} and
 * {@code attemptFinished}, followed by {@code retryScheduled} or exactly one of {@code delivered},
 * {@code gone}, {@code rejected}, {@code exhausted}; {@code abandoned} may end a delivery at any
 * point once the client closes. {@code accepted} comes first without an outbox; with one, it
 * comes when the record is on disk, which may be after the first attempt began, or even after the
 * delivery ended (say, abandoned by a close that stopped the threads before they told it).
 *
 * <p>Methods run on the client's threads (or, for {@code accepted} without an outbox and for the
 * {@code attemptStarted} of a first attempt, on the thread that called {@code send}, and for an
 * {@code accepted} still untold when {@code close()} stops those threads, on the closing thread),
 * never on the JDK's shared pool; they must be quick and must not block. Whatever a listener
 * throws is logged (rate-limited) and goes no further: it never changes a delivery, and the other
 * listeners still hear the event. An {@link Error} is also handed to the thread's
 * uncaught-exception handler.
 *
 * <p><b>Thread-safety:</b> implementations must be thread-safe: different deliveries are reported
 * from several threads at once.
 */
public interface DeliveryListener {

  /**
   * A delivery was taken on (by {@code send} or a re-drive); with an outbox, its record is on the
   * storage device now, so it survives a crash (a resumed delivery, whose record already is, is
   * told at once). Not told if the record could not be written (that is logged).
   *
   * @param message the message
   * @param endpoint the target
   */
  default void accepted(WebhookMessage message, URI endpoint) {}

  /**
   * An HTTP attempt is about to be made.
   *
   * @param message the message
   * @param endpoint the target
   * @param attempt the attempt's number, from 1
   */
  default void attemptStarted(WebhookMessage message, URI endpoint, int attempt) {}

  /**
   * An HTTP attempt ended with a status or an error.
   *
   * @param message the message
   * @param attempt what the attempt got
   */
  default void attemptFinished(WebhookMessage message, AttemptResult attempt) {}

  /**
   * Another attempt will be made.
   *
   * @param message the message
   * @param attempt the attempt that failed
   * @param at when the next attempt is due, by the client's clock
   */
  default void retryScheduled(WebhookMessage message, AttemptResult attempt, Instant at) {}

  /**
   * The endpoint answered 2xx.
   *
   * @param message the message
   * @param last the successful attempt
   * @param result the delivery's result
   */
  default void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {}

  /**
   * The endpoint answered 410 Gone, to this delivery or, for a delivery that then ends without
   * a request, to an earlier one.
   *
   * @param message the message
   * @param last the last attempt; for a delivery that ends without a request, the attempt that
   *     was not made (numbered one past those made, with the reason as its error and no duration)
   * @param result the delivery's result
   */
  default void gone(WebhookMessage message, AttemptResult last, WebhookDelivery result) {}

  /**
   * The endpoint answered a status that retrying cannot fix, or the public-address guard refused
   * the target; the delivery ends at once ({@link DeliveryOutcome#REJECTED}).
   *
   * @param message the message
   * @param last the last attempt
   * @param result the delivery's result
   */
  default void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {}

  /**
   * Every attempt the retry policy allowed failed ({@link DeliveryOutcome#EXHAUSTED}).
   *
   * @param message the message
   * @param last the last attempt
   * @param result the delivery's result
   */
  default void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {}

  /**
   * The client closed and its drain time ran out before the delivery finished, or the retry
   * scheduler (one of your own, shut down) refused its next attempt, which is logged
   * ({@link DeliveryOutcome#ABANDONED}).
   *
   * @param message the message
   * @param result the delivery's result
   * @param keptInOutbox {@code true} if the delivery stays pending in the outbox for the next
   *     client; {@code false} if it is lost to this process (it takes the dead-letter path):
   *     without an outbox, or when its outbox record could not be written. A delivery abandoned
   *     while its record was still being written is told once the record is written or has
   *     failed (at the latest when {@code close()} closes the outbox), on that thread
   */
  default void abandoned(WebhookMessage message, WebhookDelivery result, boolean keptInOutbox) {}
}
