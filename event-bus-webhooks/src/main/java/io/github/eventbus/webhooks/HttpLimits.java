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
    int maxDiscardBytes) {

  /**
   * The receiver's limits: each null argument takes its default (10 s for headers, 30 s for the
   * body and for writing, 60 s idle, 256 connections); at most 16 KiB for the request line and
   * header fields together, line endings included, at most 100 fields, and
   * at most 1 MiB discarded.
   */
  static HttpLimits receiver(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
      Integer maxConnections, int maxBodyBytes) {
    Duration body = bodyTimeout != null ? bodyTimeout : Duration.ofSeconds(30);
    return new HttpLimits(headerTimeout != null ? headerTimeout : Duration.ofSeconds(10), body,
        idleTimeout != null ? idleTimeout : Duration.ofSeconds(60), body,
        maxConnections != null ? maxConnections : 256, 16 * 1024, 100, maxBodyBytes, 1024 * 1024);
  }
}
