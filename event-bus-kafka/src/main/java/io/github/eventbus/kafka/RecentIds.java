package io.github.eventbus.kafka;

import com.google.common.hash.HashCode;
import com.google.common.hash.Hashing;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Event ids accepted within a window, bounded in number so that a flood cannot exhaust memory.
 * An id is kept as its SHA-256, so a record's id costs the same whatever its length (a hostile
 * producer's megabyte ids would otherwise fill memory long before the count bound). Used by the
 * consumer thread only, so not synchronized.
 */
final class RecentIds {

  private final long windowMillis;
  private final int max;
  private final LinkedHashMap<HashCode, Long> seen = new LinkedHashMap<>();

  RecentIds(long windowMillis, int max) {
    this.windowMillis = windowMillis;
    this.max = max;
  }

  boolean contains(String id, long nowMillis) {
    evict(nowMillis);
    return seen.containsKey(digest(id));
  }

  void add(String id, long nowMillis) {
    seen.putIfAbsent(digest(id), nowMillis);
    evict(nowMillis);
  }

  private static HashCode digest(String id) {
    // Its chars, not UTF-8: encoding replaces each lone surrogate with '?', so distinct ids (one
    // with '?', others with lone surrogates, which a JSON escape can carry) would share a digest.
    return Hashing.sha256().hashUnencodedChars(id);
  }

  int size() {
    return seen.size();
  }

  private void evict(long nowMillis) {
    long oldest = nowMillis - windowMillis;
    Iterator<Map.Entry<HashCode, Long>> it = seen.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<HashCode, Long> e = it.next();
      if (e.getValue() < oldest || seen.size() > max) {
        it.remove();
      } else {
        break;
      }
    }
  }
}
