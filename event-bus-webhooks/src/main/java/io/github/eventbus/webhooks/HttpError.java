package io.github.eventbus.webhooks;

/**
 * A request the HTTP server cannot take: the status to answer (always a 4xx, the client's
 * fault) and a reason that quotes no request text. The connection is closed after the answer,
 * since the framing of what follows cannot be trusted.
 */
final class HttpError extends Exception {

  private static final long serialVersionUID = 1L;

  private final int status;

  HttpError(int status, String reason) {
    super(reason, null, false, false);
    this.status = status;
  }

  int status() {
    return status;
  }
}
