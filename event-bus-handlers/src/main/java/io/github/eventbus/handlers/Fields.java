package io.github.eventbus.handlers;

import io.github.eventbus.internal.LogText;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the snake_case fields of an event's data map (from a {@link io.github.eventbus.DynamicEvent}
 * or JSON), collecting one problem per bad field instead of stopping at the first.
 */
final class Fields {

  /** How many bad elements of one list are named each; the rest are counted. */
  static final int MAX_NAMED_ELEMENTS = 10;

  private final String type;
  private final Map<String, ?> data;
  private final List<String> problems = new ArrayList<>();

  Fields(String type, Map<String, ?> data) {
    this.type = type;
    this.data = data;
  }

  String string(String field, boolean required) {
    Object value = data.get(field);
    if (value == null) {
      if (required) {
        problems.add(field + " is required");
      }
      return null;
    }
    if (!(value instanceof String s)) {
      problems.add(field + " must be a string, but was " + describe(value));
      return null;
    }
    if (required && s.isBlank()) {
      problems.add(field + " must not be blank");
      return null;
    }
    return s;
  }

  <E extends Enum<E>> E enumValue(String field, Class<E> enumType, boolean required) {
    String text = string(field, required);
    if (text == null) {
      return null;
    }
    try {
      return EnumNames.parse(enumType, text);
    } catch (IllegalArgumentException e) {
      problems.add(field + " must be one of " + allowed(enumType) + ", but was \""
          + LogText.escape(text) + "\"");
      return null;
    }
  }

  Double number(String field, boolean required, double min, double max) {
    Object value = data.get(field);
    if (value == null) {
      if (required) {
        problems.add(field + " is required");
      }
      return null;
    }
    if (!(value instanceof Number n)) {
      problems.add(field + " must be a number, but was " + describe(value));
      return null;
    }
    double d = n.doubleValue();
    if (!(d >= min && d <= max)) {
      problems.add(field + " must be between " + min + " and " + max + ", but was " + n);
      return null;
    }
    return d;
  }

  Long wholeNumber(String field, boolean required, long min) {
    Object value = data.get(field);
    if (value == null) {
      if (required) {
        problems.add(field + " is required");
      }
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte || value instanceof java.math.BigInteger)) {
      problems.add(field + " must be a whole number, but was " + describe(value));
      return null;
    }
    if (value instanceof java.math.BigInteger big && big.bitLength() > 63) {
      // longValue() would keep the low 64 bits: -(2^64 - 1) would read as 1.
      problems.add(field + " must be between " + min + " and " + Long.MAX_VALUE + ", but was "
          + (big.signum() < 0 ? "below" : "above") + " that");
      return null;
    }
    long l = ((Number) value).longValue();
    if (l < min) {
      problems.add(field + " must be at least " + min + ", but was " + l);
      return null;
    }
    return l;
  }

  Instant instant(String field, boolean required) {
    String text = string(field, required);
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      problems.add(field + " must be an ISO-8601 instant such as 2025-01-15T10:00:00Z, but was \""
          + LogText.escape(text) + "\"");
      return null;
    }
  }

  List<String> strings(String field) {
    Object value = data.get(field);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list)) {
      problems.add(field + " must be a list of strings, but was " + describe(value));
      return List.of();
    }
    return stringsOf(problems, field, list);
  }

  /**
   * The strings of a list; each element that is not one (null included) is a problem naming its
   * index, the first few only, the rest counted: a sender's list of a million numbers would
   * otherwise make a message, log line and dead letter many times its own size.
   */
  private static List<String> stringsOf(List<String> problems, String field, List<?> list) {
    List<String> out = new ArrayList<>();
    int bad = 0;
    int i = 0;
    for (Object element : list) { // by iterator: get(i) on a linked list is not constant time
      if (element instanceof String s) {
        out.add(s);
      } else if (++bad <= MAX_NAMED_ELEMENTS) {
        problems.add(field + "[" + i + "] must be a string, but was " + describe(element));
      }
      i++;
    }
    if (bad > MAX_NAMED_ELEMENTS) {
      problems.add(field + " has " + (bad - MAX_NAMED_ELEMENTS) + " more elements that are not"
          + " strings");
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> map(String field) {
    Object value = data.get(field);
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map<?, ?> m)) {
      problems.add(field + " must be an object, but was " + describe(value));
      return Map.of();
    }
    return (Map<String, Object>) m;
  }

  /** Throws if any field was bad. */
  void check() {
    if (!problems.isEmpty()) {
      throw new InvalidEventException(type, problems);
    }
  }

  /** For records: collects a problem if {@code bad}. */
  /**
   * Whether text names a path on this machine: not blank, and nothing the file system refuses
   * (a NUL character, say), so that a handler can log the event before it touches the file.
   */
  static boolean isPath(String text) {
    if (text == null || text.isBlank()) {
      return false;
    }
    try {
      java.nio.file.Path.of(text);
      return true;
    } catch (java.nio.file.InvalidPathException e) {
      return false;
    }
  }

  static void require(List<String> problems, boolean ok, String problem) {
    if (!ok) {
      problems.add(problem);
    }
  }

  /** For records: collects a problem naming each null element of a list (at most a few). */
  static void requireNoNulls(List<String> problems, String field, List<String> list) {
    if (list != null) {
      stringsOf(problems, field, list);
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName();
  }

  private static <E extends Enum<E>> String allowed(Class<E> enumType) {
    List<String> names = new ArrayList<>();
    for (E e : enumType.getEnumConstants()) {
      names.add(e.name().toLowerCase(Locale.ROOT));
    }
    return String.join("|", names);
  }
}
