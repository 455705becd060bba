package io.github.eventbus.webhooks;

import io.github.eventbus.Event;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiver's pipeline for one request, whatever HTTP stack delivered it: size, media type and
 * signature first; then the payload; then the de-duplication claim and a bounded publish, never
 * holding a lock while the bus decides. Thread-safe.
 */
final class Intake {

  private static final Logger log = LoggerFactory.getLogger(WebhookReceiver.class);
  /** Headers that sign or identify a request: a repeated one is ambiguous, so refused. */
  private static final List<String> SIGNATURE_HEADERS = List.of("Content-Type", "webhook-id",
      "webhook-timestamp", "webhook-signature", "X-Webhook-Signature", "X-Hub-Signature-256",
      "X-GitHub-Delivery", "Stripe-Signature", "X-Slack-Signature", "X-Slack-Request-Timestamp");

  private final WebhookVerifier verifier;
  private final int maxBodyBytes;
  private final Clock clock;
  private final long retryAfterSeconds;
  private final RecentIds recent;
  private final PayloadParser parser;
  private final BusPublisher publisher;
  private final SignatureAlarm alarm;
  /** How far the body's timestamp may be from now, or null if the scheme signs a timestamp. */
  private final Duration bodyTimestampTolerance;

  /**
   * @param bodyTimestampTolerance for schemes that sign no timestamp, how far the body's signed
   *     {@code timestamp} may be from the clock either way; null when the scheme signs one
   */
  Intake(WebhookVerifier verifier, int maxBodyBytes, Clock clock, long retryAfterSeconds,
      RecentIds recent, PayloadParser parser, BusPublisher publisher, SignatureAlarm alarm,
      Duration bodyTimestampTolerance) {
    this.verifier = verifier;
    this.maxBodyBytes = maxBodyBytes;
    this.clock = clock;
    this.retryAfterSeconds = retryAfterSeconds;
    this.recent = recent;
    this.parser = parser;
    this.publisher = publisher;
    this.alarm = alarm;
    this.bodyTimestampTolerance = bodyTimestampTolerance;
  }

  ReceiverResponse process(String method, Map<String, ?> headers, byte[] body) {
    if (!"POST".equals(method)) {
      return ReceiverResponse.notPost();
    }
    if (body.length > maxBodyBytes) {
      return ReceiverResponse.of(413, "rejected", "reason",
          "body larger than " + maxBodyBytes + " bytes");
    }
    Headers h = Headers.of(headers);
    for (String name : SIGNATURE_HEADERS) {
      if (h.repeated(name)) {
        return ReceiverResponse.of(400, "rejected", "reason", name + " is repeated");
      }
    }
    String contentType = h.get("Content-Type");
    if (contentType == null || !isJson(contentType)) {
      return ReceiverResponse.of(415, "rejected", "reason", "Content-Type must be application/json");
    }
    Verification verification;
    try {
      verification = verifier.verify(body, headers);
    } catch (RuntimeException e) { // a scheme that fails on what a client sent: the input's fault
      log.debug("Webhook signature scheme failed on a request: {}", e.getClass().getName());
      return ReceiverResponse.of(400, "rejected", "reason", "the signature headers cannot be read");
    }
    if (!verification.isValid()) {
      String warning = alarm.record(verification.failure());
      if (warning != null) {
        log.warn(warning);
      }
      int status = verification.failure() == VerificationFailure.MALFORMED ? 400 : 401;
      return ReceiverResponse.of(status, "rejected", "reason", verification.detail());
    }
    String signedId = verifier.scheme().signsWebhookId() ? verification.webhookId() : null;
    if (signedId != null && PayloadParser.checkedId(signedId) == null) {
      return ReceiverResponse.of(400, "rejected", "reason",
          "the webhook id must be " + PayloadParser.ID_RULE);
    }
    Event<?> event;
    try {
      event = parser.parse(body, signedId, bodyTimestampTolerance != null);
    } catch (PayloadParser.Malformed e) {
      return ReceiverResponse.of(400, "rejected", "reason", "malformed payload: " + e.getMessage());
    }
    if (bodyTimestampTolerance != null && !SignedTime.within(clock.instant().getEpochSecond(),
        event.timestamp().getEpochSecond(), bodyTimestampTolerance)) {
      // The body's timestamp is the only time such a signature covers: refusing it outside the
      // tolerance means a request verifies for at most twice the tolerance, no longer than its
      // id is remembered, so no replay outlives the de-duplication memory.
      String warning = alarm.record(VerificationFailure.STALE_TIMESTAMP);
      if (warning != null) {
        log.warn(warning);
      }
      return ReceiverResponse.of(401, "rejected", "reason", "the body's timestamp is more than "
          + bodyTimestampTolerance.toSeconds() + " s from now");
    }
    return publish(event, signedId != null ? "webhook-id:" + signedId : "event_id:" + event.id());
  }

  private ReceiverResponse publish(Event<?> event, String key) {
    switch (recent.claim(key, clock.instant())) {
      case DUPLICATE:
        return ReceiverResponse.of(200, "duplicate", "event_id", event.id());
      case IN_FLIGHT:
        return retryLater("the same id is being published now");
      case FULL:
        return retryLater("the de-duplication memory is full");
      default:
        break;
    }
    BusPublisher.Outcome outcome = publisher.publish(event, late -> settle(key, late));
    switch (outcome) {
      case ACCEPTED:
        recent.accept(key, clock.instant());
        return ReceiverResponse.of(202, "accepted", "event_id", event.id());
      case PENDING:
        return retryLater("the bus did not take the event in time");
      default:
        recent.release(key);
        return retryLater("the bus did not accept the event ("
            + outcome.name().toLowerCase(Locale.ROOT) + ")");
    }
  }

  /** Records the final outcome of a publish that outlasted its request. */
  private void settle(String key, BusPublisher.Outcome outcome) {
    if (outcome == BusPublisher.Outcome.ACCEPTED) {
      recent.accept(key, clock.instant());
    } else {
      recent.release(key);
    }
  }

  ReceiverResponse retryLater(String reason) {
    return ReceiverResponse.retryLater(retryAfterSeconds, reason);
  }

  private static boolean isJson(String contentType) {
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .strip().toLowerCase(Locale.ROOT);
    return type.equals("application/json") || (type.startsWith("application/")
        && type.endsWith("+json"));
  }
}
