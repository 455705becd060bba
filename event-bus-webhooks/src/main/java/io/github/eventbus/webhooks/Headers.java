package io.github.eventbus.webhooks;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Request headers looked up case-insensitively; the first value of a repeated header. */
final class Headers {

  private final Map<String, String> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

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
      if (first != null) {
        headers.values.putIfAbsent(name.toLowerCase(Locale.ROOT), first);
      }
    });
    return headers;
  }

  String get(String name) {
    return values.get(name);
  }
}
