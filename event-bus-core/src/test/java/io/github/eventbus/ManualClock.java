package io.github.eventbus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves only when told to. Thread-safe. */
public final class ManualClock extends Clock {

  private final ManualClock base; // null for the root clock; a zoned view shares its time
  private final ZoneId zone;
  private volatile Instant now;

  public ManualClock(Instant start) {
    this(start, ZoneOffset.UTC);
  }

  public ManualClock(Instant start, ZoneId zone) {
    this.base = null;
    this.zone = zone;
    this.now = start;
  }

  private ManualClock(ManualClock base, ZoneId zone) {
    this.base = base;
    this.zone = zone;
  }

  public synchronized void advance(Duration duration) {
    if (base != null) {
      base.advance(duration);
    } else {
      now = now.plus(duration);
    }
  }

  @Override
  public Instant instant() {
    return base != null ? base.instant() : now;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new ManualClock(base != null ? base : this, zone);
  }
}
