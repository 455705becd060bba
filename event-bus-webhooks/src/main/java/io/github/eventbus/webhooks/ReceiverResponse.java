package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * What {@link WebhookReceiver#handle} answers: an HTTP status, a small JSON body, and the header
 * fields to send with it.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param status 202 accepted, 200 duplicate, 400 malformed, 401 bad signature or stale, 404
 *     another path, 405 wrong method, 408 too slow, 411 no length, 413 too large, 415 not JSON,
 *     431 header fields too large, 503 the bus or the receiver cannot take the event now (retry
 *     later)
 * @param body a JSON object with {@code status} and, where useful, {@code event_id} or
 *     {@code reason}
 * @param headers header fields to send: {@code Allow} with a 405, {@code Retry-After} (seconds)
 *     with a 503; unmodifiable
 */
public record ReceiverResponse(int status, String body, Map<String, String> headers) {

  /**
   * Checks and copies the fields.
   *
   * @param status the HTTP status
   * @param body the JSON body
   * @param headers header fields to send
   * @throws NullPointerException if {@code body} or {@code headers} is null
   */
  public ReceiverResponse {
    requireNonNull(body, "body");
    headers = Map.copyOf(requireNonNull(headers, "headers"));
  }

  /**
   * A response without header fields.
   *
   * @param status the HTTP status
   * @param body the JSON body
   */
  public ReceiverResponse(int status, String body) {
    this(status, body, Map.of());
  }

  static ReceiverResponse of(int status, String state, String key, String value) {
    return new ReceiverResponse(status, json(state, key, value), Map.of());
  }

  static ReceiverResponse retryLater(long retryAfterSeconds, String reason) {
    return new ReceiverResponse(503, json("retry", "reason", reason),
        Map.of("Retry-After", Long.toString(retryAfterSeconds)));
  }

  static ReceiverResponse notPost() {
    return new ReceiverResponse(405, json("rejected", "reason", "only POST is accepted"),
        Map.of("Allow", "POST"));
  }

  private static String json(String state, String key, String value) {
    StringBuilder json = new StringBuilder("{\"status\":\"").append(state).append('"');
    if (key != null) {
      json.append(",\"").append(key).append("\":\"").append(escape(value)).append('"');
    }
    return json.append('}').toString();
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029') {
        out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Tells whether the request was accepted (a duplicate included).
   *
   * @return {@code true} for 2xx
   */
  public boolean accepted() {
    return status >= 200 && status < 300;
  }
}
