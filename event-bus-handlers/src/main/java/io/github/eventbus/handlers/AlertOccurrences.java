package io.github.eventbus.handlers;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Set;

/**
 * What a {@link RiskAlertHandler} remembers of each alert id. An id seen again within the dedupe
 * window of its last sighting continues its occurrence; seen later, it starts a new one, which
 * escalates and runs its mitigation steps afresh. The state of an id expires with the window, so
 * memory holds only the ids seen within the last window, however long the process runs.
 *
 * <p>Thread-safe: the maps are guarded by this object, and each {@link Occurrence}'s handling
 * state by its id's {@link IdLock}, so alerts with different ids on different threads do not wait
 * for each other, and two occurrences of one id (the second seen after the window, while the
 * first is still handled) are handled one after the other.
 */
final class AlertOccurrences {

  /** The lock of an alert id while a thread handles (or waits to handle) an alert with it. */
  static final class IdLock {
    private int users; // guarded by the AlertOccurrences
  }

  /** One occurrence of an alert id. Its handling fields are guarded by its id's lock. */
  static final class Occurrence {
    int sightings;
    boolean escalated;
    final Set<String> stepsRun = new HashSet<>();
    private Instant lastSeen; // guarded by the AlertOccurrences

    /** Counts a sighting; returns whether an earlier one exists (the alert is an update). */
    boolean sighted() {
      return sightings++ > 0;
    }
  }

  private final Clock clock;
  private final Duration window;
  // Insertion order is last-seen order: each sighting re-inserts its id, so expiry looks only at
  // the head. (A clock set back may leave an expired entry behind a younger one until the younger
  // expires too; memory stays bounded.)
  private final LinkedHashMap<String, Occurrence> byId = new LinkedHashMap<>();
  // Only ids being handled: one lock per id however its occurrences come and expire.
  private final HashMap<String, IdLock> handled = new HashMap<>();

  AlertOccurrences(Clock clock, Duration window) {
    this.clock = clock;
    this.window = window;
  }

  /**
   * Records a sighting of an id and returns its occurrence: the current one, or a new one if the id
   * is unknown or was last seen longer than the window ago. Expires the states of ids not seen
   * within the window.
   */
  synchronized Occurrence sighting(String alertId) {
    Instant now = clock.instant();
    Iterator<Occurrence> oldest = byId.values().iterator();
    while (oldest.hasNext() && expired(oldest.next(), now)) {
      oldest.remove();
    }
    Occurrence occurrence = byId.remove(alertId);
    if (occurrence == null || expired(occurrence, now)) {
      occurrence = new Occurrence();
    }
    occurrence.lastSeen = now;
    byId.put(alertId, occurrence);
    return occurrence;
  }

  /** Returns the id's lock, for a thread about to handle an alert with it; see {@link #leave}. */
  synchronized IdLock enter(String alertId) {
    IdLock lock = handled.computeIfAbsent(alertId, id -> new IdLock());
    lock.users++;
    return lock;
  }

  /** Ends a thread's use of an id's lock: forgotten once no thread uses it. */
  synchronized void leave(String alertId, IdLock lock) {
    if (--lock.users == 0) {
      handled.remove(alertId);
    }
  }

  private boolean expired(Occurrence occurrence, Instant now) {
    return Duration.between(occurrence.lastSeen, now).compareTo(window) > 0;
  }

  /** Returns how many ids are remembered. */
  synchronized int size() {
    return byId.size();
  }
}
