package io.github.eventbus.webhooks;

import io.github.eventbus.internal.LogText;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the receiver's requests are answered, from the built-in server or from
 * {@link WebhookReceiver#handle}: requests to the receiver's path (or beneath it) go to the
 * intake, others get 404, and a request the HTTP layer refused gets its status (503 with
 * {@code Retry-After}). Every answer is counted, and one that is not 2xx is logged at DEBUG
 * with request text escaped. Thread-safe.
 */
final class ReceiverEndpoint implements HttpConnection.Handler {

  private static final Logger log = LoggerFactory.getLogger(WebhookReceiver.class);

  private final ReceiverPath path;
  private final Intake intake;
  private final ReceiverCounters counters;

  ReceiverEndpoint(ReceiverPath path, Intake intake, ReceiverCounters counters) {
    this.path = path;
    this.intake = intake;
    this.counters = counters;
  }

  @Override
  public ReceiverResponse serve(HttpRequest request, String remote) {
    ReceiverResponse response = path.serves(request.path())
        ? intake.process(request.method(), request.headers(), request.body())
        : ReceiverResponse.of(404, "rejected", "reason", "no webhooks are received here");
    return finish(response, remote);
  }

  @Override
  public ReceiverResponse refuse(int status, String reason, String remote) {
    ReceiverResponse response = status == 503 ? intake.retryLater(reason)
        : ReceiverResponse.of(status, "rejected", "reason", reason);
    return finish(response, remote);
  }

  /** Answers a request from another HTTP stack, path checks aside. */
  ReceiverResponse handle(String method, Map<String, ?> headers, byte[] body) {
    return finish(intake.process(method, headers, body), "handle()");
  }

  /** The answer to a new connection when every connection is in use. */
  ReceiverResponse busy() {
    return intake.retryLater("every connection is in use");
  }

  private ReceiverResponse finish(ReceiverResponse response, String remote) {
    counters.record(response);
    if (response.status() >= 300 && log.isDebugEnabled()) {
      log.debug("Webhook request from {} answered {}: {}", LogText.escape(remote),
          response.status(), LogText.escape(response.body()));
    }
    return response;
  }
}
