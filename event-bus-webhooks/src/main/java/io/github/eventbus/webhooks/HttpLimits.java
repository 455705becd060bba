package io.github.eventbus.webhooks;

import java.time.Duration;

/**
 * The bounds of the receiver's HTTP server.
 *
 * @param headerTimeout from the first byte of a request (or the connection) to the end of its
 *     headers
 * @param bodyTimeout from the end of the headers to the end of the body
 * @param idleTimeout how long a kept-alive connection may wait for its next request
 * @param writeTimeout how long writing one response may take before the connection is closed
 * @param maxConnections connections open at once; more are answered 503 and closed
 * @param maxHeaderBytes bytes of the request line and header fields (and chunked trailers)
 * @param maxHeaderCount header fields per request
 * @param maxBodyBytes the body limit
 * @param maxDiscardBytes after a 413 or a framing error, how much more is read and thrown away
 *     (so that the answer is not lost to a TCP reset) before the connection is closed
 */
record HttpLimits(
    Duration headerTimeout,
    Duration bodyTimeout,
    Duration idleTimeout,
    Duration writeTimeout,
    int maxConnections,
    int maxHeaderBytes,
    int maxHeaderCount,
    int maxBodyBytes,
    int maxDiscardBytes) {}
