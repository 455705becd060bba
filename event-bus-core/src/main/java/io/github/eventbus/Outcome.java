package io.github.eventbus;

/** What one call of {@link Invoker#invoke} did; the public counterpart is {@link DeliveryStatus}. */
enum Outcome {
  /** The handler returned normally. */
  DELIVERED,
  /** The subscription was closed; the handler was not called. */
  SKIPPED,
  /** The subscription's filter rejected the event. */
  FILTERED,
  /** An interceptor vetoed the delivery; the reason is in the slot. */
  VETOED,
  /** The filter or the handler threw an exception; the cause is in the slot. */
  FAILED,
  /** The filter or the handler threw an Error: never retried or dead-lettered; it is in the slot. */
  ERROR;

  /** Classifies what a filter or handler threw, keeping it in the slot. */
  static Outcome thrown(Throwable t, InFlight.Slot slot) {
    slot.failure = t;
    return t instanceof Error ? ERROR : FAILED;
  }

  /** Records in the tracker a delivery that did not call the handler: filtered, vetoed or skipped. */
  void finishSkipped(Tracker tracker, int index, InFlight.Slot slot, int attempts) {
    switch (this) {
      case FILTERED -> tracker.finish(index, DeliveryStatus.FILTERED, attempts, null,
          "the subscription's filter");
      case VETOED -> tracker.finish(index, DeliveryStatus.VETOED, attempts, null, slot.vetoReason);
      default -> tracker.finish(index, DeliveryStatus.UNSUBSCRIBED, attempts, null,
          "the subscription was closed");
    }
  }
}
