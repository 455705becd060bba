package io.github.eventbus.webhooks;

/**
 * A snapshot of a {@link WebhookReceiver}'s counters: one count per answer it gave, since it was
 * built, whether the request came over its own HTTP server or through
 * {@link WebhookReceiver#handle}. An answer is counted when it is decided, before it is written:
 * one that never reached its client (the client left, or the receiver closed the connection
 * first) is counted too.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param accepted 202: the bus accepted the event
 * @param duplicates 200: the id was accepted before, within the de-duplication window
 * @param malformed 400: broken framing, a short body, an unparseable or out-of-range field,
 *     trailing data, or a malformed signature header
 * @param unauthorized 401: missing or wrong signature, or a stale timestamp
 * @param notFound 404: another path
 * @param methodNotAllowed 405: not POST
 * @param timedOut 408: headers or body not received within their deadline
 * @param lengthRequired 411: a body with neither Content-Length nor chunked encoding
 * @param tooLarge 413: body over the limit
 * @param unsupportedMediaType 415: not JSON
 * @param headersTooLarge 431: too many header fields, or too many bytes of them
 * @param unavailable 503: the bus is closed, full or dropped the event, the de-duplication memory
 *     is full, or every connection is in use
 * @param openConnections connections open now
 * @param rememberedIds ids held now for de-duplication (accepted, and being published)
 */
public record ReceiverMetrics(
    long accepted,
    long duplicates,
    long malformed,
    long unauthorized,
    long notFound,
    long methodNotAllowed,
    long timedOut,
    long lengthRequired,
    long tooLarge,
    long unsupportedMediaType,
    long headersTooLarge,
    long unavailable,
    int openConnections,
    int rememberedIds) {}
