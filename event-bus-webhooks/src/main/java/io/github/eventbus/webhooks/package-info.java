/**
 * Webhooks: signatures, verification and a receiver that publishes verified events onto a bus.
 *
 * <h2>Guide</h2>
 *
 * <p><b>Schemes.</b> {@link io.github.eventbus.webhooks.SignatureScheme} signs and verifies
 * Standard Webhooks (default), {@code X-Webhook-Signature} (hex HMAC of the body), GitHub, Stripe
 * and Slack requests, with {@link io.github.eventbus.webhooks.WebhookSecret}s given as
 * {@code whsec_...} or raw strings (several, for rotation; never printed).
 *
 * <p><b>Verifying anywhere.</b> {@link io.github.eventbus.webhooks.WebhookVerifier} checks the raw
 * body and the headers from any HTTP stack and says why a request failed
 * ({@link io.github.eventbus.webhooks.VerificationFailure}) without revealing which secret or byte
 * did not match.
 *
 * <p><b>Receiving.</b> {@link io.github.eventbus.webhooks.WebhookReceiver} serves a small strict
 * HTTP/1.1 server of its own on plain sockets (deadlines for headers and body, bounded
 * connections, keep-alive, Content-Length and chunked bodies), caps the body before hashing,
 * verifies first, drops replays by an id the signature covers, and publishes the event (typed for
 * registered type names, dynamic otherwise) with a bound on the wait for the bus. Every client
 * fault is a 4xx; 503 with {@code Retry-After} is its only 5xx; answers are counted in
 * {@link io.github.eventbus.webhooks.ReceiverMetrics}. {@code handle(...)} gives the same answers
 * to other servers.
 *
 * <p><b>Sending.</b> {@link io.github.eventbus.webhooks.WebhookClient} signs and posts messages
 * with retries, a whole-response deadline, an optional group-committed outbox and a drain at
 * close; {@link io.github.eventbus.webhooks.DeliveryListener}s hear every delivery's events, and
 * {@link io.github.eventbus.webhooks.WebhookForwarder} routes bus events to endpoints. A failure
 * to write the attempt log or the outbox is counted ({@code attemptLogStats()},
 * {@code outboxStats()}) and reported to the builder's {@code writeErrorHandler}, or else
 * logged as a rate-limited WARN; an outbox file deleted under a running client is written whole
 * again.
 *
 * <p><b>Threads.</b> A client owns {@code webhook-client-<n>} and {@code webhook-client-timer}
 * daemon threads, up to four {@code webhook-client-dns-<n>} for host name lookups (made as
 * needed), and a {@code jsonl-writer-<file name>} thread for its outbox and for its attempt log,
 * all stopped by its {@code close()} (a lookup stuck in the system resolver may outlive it). A
 * started receiver owns daemon threads {@code webhook-receiver-accept},
 * {@code webhook-receiver-reaper}, {@code webhook-receiver-<n>} (one per open connection) and
 * {@code webhook-receiver-publish-<n>}, stopped by {@code close()}.
 * Every public type states whether it is thread-safe.
 */
package io.github.eventbus.webhooks;
