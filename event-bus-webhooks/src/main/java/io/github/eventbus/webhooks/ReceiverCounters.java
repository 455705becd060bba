package io.github.eventbus.webhooks;

import java.util.concurrent.atomic.LongAdder;

/** Counts the receiver's answers by status; {@link #snapshot} makes a {@link ReceiverMetrics}. */
final class ReceiverCounters {

  private final LongAdder accepted = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder malformed = new LongAdder();
  private final LongAdder unauthorized = new LongAdder();
  private final LongAdder notFound = new LongAdder();
  private final LongAdder methodNotAllowed = new LongAdder();
  private final LongAdder timedOut = new LongAdder();
  private final LongAdder lengthRequired = new LongAdder();
  private final LongAdder tooLarge = new LongAdder();
  private final LongAdder unsupportedMediaType = new LongAdder();
  private final LongAdder headersTooLarge = new LongAdder();
  private final LongAdder unavailable = new LongAdder();

  /** Counts an answer; returns it. */
  ReceiverResponse record(ReceiverResponse response) {
    counter(response.status()).increment();
    return response;
  }

  private LongAdder counter(int status) {
    switch (status) {
      case 202: return accepted;
      case 200: return duplicates;
      case 401: return unauthorized;
      case 404: return notFound;
      case 405: return methodNotAllowed;
      case 408: return timedOut;
      case 411: return lengthRequired;
      case 413: return tooLarge;
      case 415: return unsupportedMediaType;
      case 431: return headersTooLarge;
      case 503: return unavailable;
      default: return malformed; // 400
    }
  }

  ReceiverMetrics snapshot(int openConnections, int rememberedIds) {
    return new ReceiverMetrics(accepted.sum(), duplicates.sum(), malformed.sum(),
        unauthorized.sum(), notFound.sum(), methodNotAllowed.sum(), timedOut.sum(),
        lengthRequired.sum(), tooLarge.sum(), unsupportedMediaType.sum(), headersTooLarge.sum(),
        unavailable.sum(), openConnections, rememberedIds);
  }
}
