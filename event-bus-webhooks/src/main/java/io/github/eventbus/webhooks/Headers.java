package io.github.eventbus.webhooks;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Request headers looked up case-insensitively; the first value of a repeated header, and a note
 * of which names were repeated (several values, or several spellings of the name) so that a
 * caller can refuse an ambiguous signature header rather than guess which copy counts.
 */
final class Headers {

  private final Map<String, String> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private final Set<String> repeated = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

  private Headers() {}

  /** Accepts {@code Map<String, String>} and {@code Map<String, List<String>>} forms. */
  static Headers of(Map<String, ?> raw) {
    Headers headers = new Headers();
    raw.forEach((name, value) -> {
      if (name == null || value == null) {
        return;
      }
      String first = value instanceof List<?> list
          ? (list.isEmpty() ? null : String.valueOf(list.get(0)))
          : String.valueOf(value);
      if (value instanceof List<?> list && list.size() > 1) {
        headers.repeated.add(name);
      }
      if (first != null && headers.values.putIfAbsent(name.toLowerCase(Locale.ROOT), first) != null) {
        headers.repeated.add(name);
      }
    });
    return headers;
  }

  String get(String name) {
    return values.get(name);
  }

  /** Tells whether the header came more than once. */
  boolean repeated(String name) {
    return repeated.contains(name);
  }
}
