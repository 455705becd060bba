package io.github.eventbus.webhooks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Lets one log line through per key and interval, counting the ones held back, so a failure that
 * repeats for every event is reported without a line per event.
 */
final class RateLimitedLog {

  private static final int MAX_KEYS = 1024;

  private final Clock clock;
  private final Duration interval;
  private final Map<String, Window> windows = new HashMap<>();

  private static final class Window {
    Instant last;
    long held;
  }

  RateLimitedLog(Clock clock, Duration interval) {
    this.clock = clock;
    this.interval = interval;
  }

  /**
   * Counts one occurrence of {@code key}; returns how many were held back since the last line if
   * a line may be written now, or -1 if this one is held back too.
   */
  synchronized long admit(String key) {
    Instant now = clock.instant();
    Window w = windows.get(key);
    if (w == null) {
      if (windows.size() >= MAX_KEYS) {
        windows.clear(); // bounded memory: at worst a few repeated lines
      }
      w = new Window();
      windows.put(key, w);
    } else if (w.last != null && now.isBefore(w.last.plus(interval))) {
      w.held++;
      return -1;
    }
    long held = w.held;
    w.last = now;
    w.held = 0;
    return held;
  }
}
