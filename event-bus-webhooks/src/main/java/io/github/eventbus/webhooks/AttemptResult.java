package io.github.eventbus.webhooks;

import java.net.URI;
import java.time.Duration;

/**
 * What one HTTP attempt of a delivery got: a status, or a network error (including a timeout or
 * a refusal by the public-address guard), as a {@link DeliveryListener} hears it.
 *
 * <p>{@link #toString()} shows the endpoint's scheme, host and port only: its path or query may
 * hold a token.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param endpoint the target
 * @param attempt the attempt's number, from 1; for a delivery to an endpoint already known to be
 *     gone, which ends without a request, the number of attempts made before (0 for a new one)
 * @param status the HTTP status, or 0 if no complete response came
 * @param error the error (class and message, never a secret; control and other characters that
 *     could forge or hide a log line escaped as a backslash, {@code u} and four hex digits; at
 *     most 1,000 characters), or null if a response came
 * @param duration how long the attempt took, response body included
 */
public record AttemptResult(URI endpoint, int attempt, int status, String error, Duration duration) {

  @Override
  public String toString() {
    return "AttemptResult[endpoint=" + EndpointGate.origin(endpoint) + ", attempt=" + attempt
        + ", status=" + status + ", error=" + error + ", duration=" + duration + "]";
  }
}
