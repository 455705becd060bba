package io.github.eventbus.webhooks;

/**
 * What {@link WebhookReceiver#handle} answers: an HTTP status and a small JSON body.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param status 202 accepted, 200 duplicate, 400 malformed, 401 bad signature or stale, 405 wrong
 *     method, 413 too large, 415 not JSON, 503 the bus refused the event (retry later)
 * @param body a JSON object with {@code status} and, where useful, {@code event_id} or
 *     {@code reason}
 */
public record ReceiverResponse(int status, String body) {

  static ReceiverResponse of(int status, String state, String key, String value) {
    StringBuilder json = new StringBuilder("{\"status\":\"").append(state).append('"');
    if (key != null) {
      json.append(",\"").append(key).append("\":\"").append(escape(value)).append('"');
    }
    return new ReceiverResponse(status, json.append('}').toString());
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
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
