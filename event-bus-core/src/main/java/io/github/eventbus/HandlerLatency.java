package io.github.eventbus;

import java.time.Duration;

/**
 * How long handlers took, over the deliveries that were timed.
 *
 * <p>Timing every call would cost two clock reads per delivery, more than the rest of a
 * synchronous dispatch, so by default the bus times one synchronous publish in 64 of each event
 * type, and one queued delivery in 64 per subscription (see
 * {@link EventBusBuilder#latencySampling(int)}; 1 times every delivery). A type published fewer
 * times than that may show no sample. A timed call counts whether the handler returned or
 * threw. {@link #count()} is the number of timed deliveries, not of all deliveries, and
 * {@link #max()} the longest of those.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param count how many deliveries were timed
 * @param mean their mean duration
 * @param max the longest of them
 */
public record HandlerLatency(long count, Duration mean, Duration max) {

  static final HandlerLatency NONE = new HandlerLatency(0, Duration.ZERO, Duration.ZERO);
}
