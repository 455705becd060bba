package io.github.eventbus.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Ids seen within a window, bounded in number so that a flood cannot exhaust memory. */
final class RecentIds {

  private final Duration window;
  private final int max;
  private final LinkedHashMap<String, Instant> seen = new LinkedHashMap<>();

  RecentIds(Duration window, int max) {
    this.window = window;
    this.max = max;
  }

  synchronized boolean contains(String id, Instant now) {
    evict(now);
    return seen.containsKey(id);
  }

  synchronized void add(String id, Instant now) {
    seen.putIfAbsent(id, now);
    evict(now);
  }

  private void evict(Instant now) {
    Instant oldest = now.minus(window);
    Iterator<Map.Entry<String, Instant>> it = seen.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Instant> e = it.next();
      if (e.getValue().isBefore(oldest) || seen.size() > max) {
        it.remove();
      } else {
        break;
      }
    }
  }
}
