package io.github.eventbus.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A way of signing webhook requests, used both to sign outgoing ones and to verify incoming ones.
 * All compare signatures in constant time over equal-length decoded bytes, accept any listed
 * signature that matches any configured secret (key rotation), read header names
 * case-insensitively, and parse at most 16 signature entries per request.
 *
 * <table>
 *   <caption>Schemes</caption>
 *   <tr><th>factory</th><th>headers</th><th>signed content</th><th>timestamp</th></tr>
 *   <tr><td>{@link #standardWebhooks()}</td><td>{@code webhook-id}, {@code webhook-timestamp},
 *       {@code webhook-signature: v1,<base64> ...}</td><td>{@code id.timestamp.body}</td>
 *       <td>within &plusmn;tolerance (default 300 s)</td></tr>
 *   <tr><td>{@link #xWebhookSignature()}</td><td>{@code X-Webhook-Signature: sha256=<hex>}</td>
 *       <td>body</td><td>none: {@link WebhookReceiver} requires the body's {@code timestamp}</td></tr>
 *   <tr><td>{@link #github()}</td><td>{@code X-Hub-Signature-256: sha256=<hex>};
 *       id {@code X-GitHub-Delivery}</td><td>body</td><td>none</td></tr>
 *   <tr><td>{@link #stripe()}</td><td>{@code Stripe-Signature: t=<unix>,v1=<hex>...}</td>
 *       <td>{@code t.body}, keyed with the whole secret string</td><td>within &plusmn;tolerance</td></tr>
 *   <tr><td>{@link #slack()}</td><td>{@code X-Slack-Signature: v0=<hex>},
 *       {@code X-Slack-Request-Timestamp}</td><td>{@code v0:t:body}</td><td>within &plusmn;tolerance</td></tr>
 * </table>
 *
 * <p><b>Thread-safety:</b> implementations are immutable and thread-safe.
 */
public interface SignatureScheme {

  /**
   * Verifies a request.
   *
   * @param body the raw body bytes, exactly as received
   * @param headers the request headers, any case; values may be strings or lists of strings
   * @param secrets the accepted secrets
   * @param now the current time
   * @return the result
   */
  Verification verify(byte[] body, Map<String, ?> headers, List<WebhookSecret> secrets, Instant now);

  /**
   * Returns the headers that sign a request.
   *
   * @param id the message id (stable across retries)
   * @param timestamp the attempt's time (new on every attempt)
   * @param body the exact body bytes sent
   * @param secrets the active secrets; schemes with one signature header use the first
   * @return header names and values to add
   */
  Map<String, String> sign(String id, Instant timestamp, byte[] body, List<WebhookSecret> secrets);

  /**
   * Tells whether the id a valid {@link Verification} returns is covered by the signature, so
   * that replay protection may be keyed on it. When it is not (GitHub's delivery id, the
   * {@code X-Webhook-Signature} header), a replay under a new id would verify, so the receiver keys on the body's
   * {@code event_id} instead.
   *
   * @return {@code true} only if changing the id makes the request fail verification; the default
   *     is {@code false}
   */
  default boolean signsWebhookId() {
    return false;
  }

  /**
   * Returns how long after it first verifies an unchanged request may keep verifying: twice the
   * tolerance for schemes that accept timestamps that far either side of the clock. Ids must be
   * remembered at least this long to stop replays.
   *
   * @return the window, or empty if the scheme signs no timestamp (a captured request verifies
   *     for ever: only de-duplication of a signed id stops its replay); empty by default
   */
  default Optional<Duration> replayWindow() {
    return Optional.empty();
  }

  /**
   * Standard Webhooks (Svix), tolerance 300 seconds.
   *
   * @return the scheme
   */
  static SignatureScheme standardWebhooks() {
    return new StandardWebhooksScheme(Duration.ofSeconds(300));
  }

  /**
   * Standard Webhooks with another timestamp tolerance.
   *
   * @param tolerance how far the timestamp may be from the clock, either way
   * @return the scheme
   * @throws NullPointerException if {@code tolerance} is null
   * @throws IllegalArgumentException if {@code tolerance} is not positive
   */
  static SignatureScheme standardWebhooks(Duration tolerance) {
    return new StandardWebhooksScheme(tolerance);
  }

  /**
   * {@code X-Webhook-Signature: sha256=<hex>}: an HMAC-SHA256 of the body in hex, under one header.
   *
   * @return the scheme
   */
  static SignatureScheme xWebhookSignature() {
    return new HexBodyScheme("X-Webhook-Signature", "webhook-id");
  }

  /**
   * GitHub's {@code X-Hub-Signature-256}.
   *
   * @return the scheme
   */
  static SignatureScheme github() {
    return new HexBodyScheme("X-Hub-Signature-256", "X-GitHub-Delivery");
  }

  /**
   * Stripe's {@code Stripe-Signature}, tolerance 300 seconds.
   *
   * @return the scheme
   */
  static SignatureScheme stripe() {
    return new StripeScheme(Duration.ofSeconds(300));
  }

  /**
   * Stripe's {@code Stripe-Signature} with another tolerance.
   *
   * @param tolerance how far the timestamp may be from the clock, either way
   * @return the scheme
   * @throws NullPointerException if {@code tolerance} is null
   * @throws IllegalArgumentException if {@code tolerance} is not positive
   */
  static SignatureScheme stripe(Duration tolerance) {
    return new StripeScheme(tolerance);
  }

  /**
   * Slack's {@code X-Slack-Signature} with another tolerance.
   *
   * @param tolerance how far the timestamp may be from the clock, either way
   * @return the scheme
   * @throws NullPointerException if {@code tolerance} is null
   * @throws IllegalArgumentException if {@code tolerance} is not positive
   */
  static SignatureScheme slack(Duration tolerance) {
    return new SlackScheme(tolerance);
  }

  /**
   * Slack's {@code X-Slack-Signature}, tolerance 300 seconds.
   *
   * @return the scheme
   */
  static SignatureScheme slack() {
    return new SlackScheme(Duration.ofSeconds(300));
  }
}
