package io.github.eventbus.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * WARN lines for conditions that can repeat once per event (drops, dead letters nobody handles,
 * failures without an exception handler, misbehaving callbacks): at most one line per interval
 * per condition, and the line after a quiet spell says how many were left out. Time comes from
 * the given clock, so tests drive it; a clock set back by more than an interval starts a new one.
 * Conditions are keys such as a kind and a class name, never an object's identity, so that each
 * stays one condition however many objects show it.
 *
 * <p><b>Not part of the API.</b> This package is public only so that the library's modules can
 * share it; it may change in any release without notice.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class RateLimitedLog {

  /** The interval of the library's warnings: ten seconds. */
  public static final Duration INTERVAL = Duration.ofSeconds(10);
  // Conditions are keyed by subscriber or callback, which the application bounds; this bounds
  // them anyway, folding the rest into one condition.
  private static final int MAX_CONDITIONS = 1024;
  private static final String OTHER = "other";

  private final Logger log;
  private final Clock clock;
  private final long intervalMillis;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  /**
   * Creates a log.
   *
   * @param log where the lines go
   * @param clock the clock that measures the interval
   * @param interval the least time between two lines of one condition
   */
  public RateLimitedLog(Logger log, Clock clock, Duration interval) {
    this.log = log;
    this.clock = clock;
    this.intervalMillis = interval.toMillis();
  }

  /**
   * Logs at WARN unless this condition was logged less than an interval ago, in which case it is
   * only counted. A trailing Throwable argument is logged as the cause, as SLF4J does.
   *
   * @param condition the condition's key
   * @param format the SLF4J message format
   * @param args the format's arguments, optionally followed by a Throwable
   */
  public void warn(String condition, String format, Object... args) {
    Window window = windows.get(condition);
    if (window == null) {
      window = windows.size() < MAX_CONDITIONS
          ? windows.computeIfAbsent(condition, c -> new Window())
          : windows.computeIfAbsent(OTHER, c -> new Window());
    }
    long left = window.pass(clock.millis(), intervalMillis);
    if (left < 0) {
      return;
    }
    Object[] safe = escaped(args);
    if (left == 0) {
      log.warn(format, safe);
    } else {
      log.warn(format + " ({} more like this since the last such line)", withCount(safe, left));
    }
  }

  /**
   * Says, in one WARN line per condition, how many lines were left out since that condition's
   * last line: for an owner that stops (a bus closing), whose quiet spell would otherwise end
   * without the count ever being told.
   */
  public void reportLeftOut() {
    windows.forEach((condition, window) -> {
      long left = window.takeSkipped();
      if (left > 0) {
        log.warn("{} more warning(s) like the last '{}' line were left out before the end",
            left, LogText.escape(condition));
      }
    });
  }

  /**
   * The arguments as text safe for one line ({@link LogText}): an event id, a type or a
   * subscriber name may come from a request, and must not forge or hide log lines. A trailing
   * Throwable stays as it is, for its stack trace.
   */
  private static Object[] escaped(Object[] args) {
    Object[] safe = new Object[args.length];
    for (int i = 0; i < args.length; i++) {
      Object arg = args[i];
      safe[i] = arg == null || arg instanceof Throwable || arg instanceof Number
          ? arg : LogText.escape(String.valueOf(arg));
    }
    return safe;
  }

  /** Puts the count before a trailing Throwable, so SLF4J still logs the Throwable's trace. */
  private static Object[] withCount(Object[] args, long count) {
    Object[] all = Arrays.copyOf(args, args.length + 1);
    if (args.length > 0 && args[args.length - 1] instanceof Throwable t) {
      all[args.length - 1] = count;
      all[args.length] = t;
    } else {
      all[args.length] = count;
    }
    return all;
  }

  /** One condition's state. */
  private static final class Window {
    private boolean logged;
    private long lastMillis;
    private long skipped;

    /** How many lines were left out since the last one; counted from zero again. */
    synchronized long takeSkipped() {
      long left = skipped;
      skipped = 0;
      return left;
    }

    /** Returns -1 to stay quiet, else how many lines were left out since the last one. */
    synchronized long pass(long now, long interval) {
      long since;
      try {
        since = Math.subtractExact(now, lastMillis);
      } catch (ArithmeticException clockJumpedPastTheRange) {
        since = Long.MAX_VALUE; // as far apart as can be: a new interval
      }
      // A clock set back by more than an interval (a wall clock corrected) starts a new one:
      // otherwise the condition would stay quiet until the clock caught up, hours perhaps. Less
      // than that is a time read before another thread's line (the clock is the user's, so it is
      // not read under this lock, where a clock taking a lock of its own could deadlock).
      if (logged && since > -interval && since < interval) {
        skipped++;
        return -1;
      }
      long left = skipped;
      logged = true;
      lastMillis = now;
      skipped = 0;
      return left;
    }
  }
}
