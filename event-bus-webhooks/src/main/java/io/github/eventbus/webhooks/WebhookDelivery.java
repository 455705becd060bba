package io.github.eventbus.webhooks;

import java.net.URI;

/**
 * The result of sending one webhook to one endpoint.
 *
 * <p>{@link #toString()} shows the endpoint's scheme, host and port only: its path or query may
 * hold a token; {@link #endpoint()} returns it whole.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param id the webhook id
 * @param endpoint the target
 * @param outcome how it ended
 * @param attempts how many requests were made
 * @param lastStatus the last HTTP status, or 0 if the last attempt got no response
 * @param lastError the last network error, or null (escaped and cut as
 *     {@link AttemptResult#error()})
 */
public record WebhookDelivery(
    String id, URI endpoint, DeliveryOutcome outcome, int attempts, int lastStatus, String lastError) {

  @Override
  public String toString() {
    return "WebhookDelivery[id=" + id + ", endpoint=" + EndpointGate.origin(endpoint) + ", outcome="
        + outcome + ", attempts=" + attempts + ", lastStatus=" + lastStatus + ", lastError="
        + lastError + "]";
  }
}
