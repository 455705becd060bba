package io.github.eventbus.webhooks;

import io.github.eventbus.internal.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The de-duplication memory: ids accepted within a window, and ids being published now.
 *
 * <p>An id is claimed before its event is offered to the bus and either accepted (remembered
 * for the whole window) or released (forgotten: the bus did not take it, so the sender's retry
 * must be published). Memory is bounded: when it holds {@code max} ids, a new id is refused
 * ({@link Claim#FULL}) rather than forgetting one still inside the window, because forgetting
 * would let a replay through.
 *
 * <p>Each call holds the lock for a map operation and the eviction of expired ids (amortised
 * constant); nothing waits while holding it. Thread-safe.
 */
final class RecentIds {

  /** The grain of signed times (Unix seconds), added to how long an id is remembered. */
  private static final long SIGNED_TIME_GRAIN_MILLIS = 1_000;

  /** The answer to {@link #claim}. */
  enum Claim {
    /** The caller owns the id now and must {@link #accept} or {@link #release} it. */
    CLAIMED,
    /** Accepted before, within the window. */
    DUPLICATE,
    /** Being published by another request now. */
    IN_FLIGHT,
    /** The memory is full of ids still inside the window. */
    FULL
  }

  private record Expiry(String id, long atMillis) {}

  private final long windowMillis;
  private final int max;
  private final Map<String, Long> accepted = new HashMap<>();
  private final ArrayDeque<Expiry> order = new ArrayDeque<>();
  private final Set<String> pending = new HashSet<>();

  RecentIds(Duration window, int max) {
    this.windowMillis = Settings.millis(window);
    this.max = max;
  }

  /**
   * The de-duplication window for a scheme: {@code configured}, else the larger of 10 minutes
   * and the scheme's replay window.
   *
   * @throws IllegalStateException if {@code configured} is shorter than the replay window, which
   *     would let replays through
   */
  static Duration window(Duration configured, SignatureScheme scheme) {
    Duration replay = scheme.replayWindow().orElse(Duration.ZERO);
    Duration window = configured != null ? configured
        : (replay.compareTo(Duration.ofMinutes(10)) > 0 ? replay : Duration.ofMinutes(10));
    if (window.compareTo(replay) < 0) {
      throw new IllegalStateException("dedupeWindow " + window + " is shorter than the replay"
          + " window of " + scheme + ", " + replay + ": replays would get through");
    }
    return window;
  }

  synchronized Claim claim(String id, Instant now) {
    evict(now.toEpochMilli());
    if (accepted.containsKey(id)) {
      return Claim.DUPLICATE;
    }
    if (pending.contains(id)) {
      return Claim.IN_FLIGHT;
    }
    if (accepted.size() + pending.size() >= max) {
      return Claim.FULL;
    }
    pending.add(id);
    return Claim.CLAIMED;
  }

  /**
   * Remembers a claimed id until {@code now} plus the window and one second: signed times are
   * whole seconds, so a request still verifies up to a second past its tolerance.
   */
  synchronized void accept(String id, Instant now) {
    pending.remove(id);
    long expiry = now.toEpochMilli() + windowMillis + SIGNED_TIME_GRAIN_MILLIS;
    // A clock that steps back only makes an id stay longer than needed: never shorter.
    accepted.put(id, expiry);
    order.add(new Expiry(id, expiry));
  }

  /** Forgets a claimed id that the bus did not take. */
  synchronized void release(String id) {
    pending.remove(id);
  }

  synchronized int size() {
    return accepted.size() + pending.size();
  }

  private void evict(long nowMillis) {
    Expiry head;
    while ((head = order.peek()) != null && head.atMillis() <= nowMillis) {
      order.poll();
      accepted.remove(head.id(), head.atMillis());
    }
  }
}
