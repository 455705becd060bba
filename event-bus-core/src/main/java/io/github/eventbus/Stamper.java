package io.github.eventbus;

import java.time.Clock;
import java.time.Instant;

/**
 * Makes envelopes: the one place an {@link Event} is stamped with an id, a time and a source. The
 * bus stamps lazily (a plain publish to one payload subscriber needs no envelope unless something
 * fails), so every part that may need one asks {@link #ensure} for it.
 */
final class Stamper {

  private final Clock clock;
  private final String source;
  private final EventIds ids = new EventIds();

  Stamper(Clock clock, String source) {
    this.clock = clock;
    this.source = source;
  }

  /** Returns {@code envelope} if there is one, else stamps a new envelope for the payload. */
  Event<?> ensure(Event<?> envelope, Object payload, String type, Metadata metadata) {
    return envelope != null ? envelope : stamp(payload, type, metadata);
  }

  /** Returns the envelope a publisher gave, with the bus's source if it has none; else null. */
  Event<?> given(Object event) {
    if (event instanceof Event<?> e) {
      return e.source().isEmpty() ? e.withSource(source) : e;
    }
    return null;
  }

  private <T> Event<T> stamp(T payload, String type, Metadata metadata) {
    Instant now = clock.instant();
    Metadata meta = metadata == null ? Metadata.empty() : metadata;
    return Event.stamp(ids.nextHigh(now.toEpochMilli()), EventIds.randomLow(), type, now,
        meta.source().orElse(source), payload, meta);
  }
}
