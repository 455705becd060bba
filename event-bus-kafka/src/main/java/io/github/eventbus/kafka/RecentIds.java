package io.github.eventbus.kafka;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Event ids accepted within a window, bounded in number so that a flood cannot exhaust memory.
 * Used by the consumer thread only, so not synchronized.
 */
final class RecentIds {

  private final long windowMillis;
  private final int max;
  private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

  RecentIds(long windowMillis, int max) {
    this.windowMillis = windowMillis;
    this.max = max;
  }

  boolean contains(String id, long nowMillis) {
    evict(nowMillis);
    return seen.containsKey(id);
  }

  void add(String id, long nowMillis) {
    seen.putIfAbsent(id, nowMillis);
    evict(nowMillis);
  }

  int size() {
    return seen.size();
  }

  private void evict(long nowMillis) {
    long oldest = nowMillis - windowMillis;
    Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Long> e = it.next();
      if (e.getValue() < oldest || seen.size() > max) {
        it.remove();
      } else {
        break;
      }
    }
  }
}
