package io.github.eventbus;

import static java.util.Objects.requireNonNull;

/**
 * The type names of events: what {@link TypePattern}s match, and what the audit log and webhooks
 * record.
 *
 * <p><b>Grammar.</b> A type name is one or more segments separated by {@code '.'}; a segment is
 * one or more of the characters {@code A-Z a-z 0-9 _ - $}. At most 255 characters. Examples:
 * {@code file_change}, {@code report.ready}, {@code com.acme.Order$Placed}.
 *
 * <p><b>Reserved.</b> {@code bus.dead_letter} and {@code bus.dead_event} name the bus's own
 * {@link DeadLetter} and {@link DeadEvent}: no {@link DynamicEvent}, {@link EventType @EventType}
 * or class so named may take them (see {@link #isReserved}); patterns may name them.
 *
 * <p><b>Naming.</b> An event's name is, in this order: the {@link DynamicEvent#type()} of a
 * dynamic event; the value of its class's {@link EventType @EventType}; otherwise its class's
 * {@linkplain Class#getName() binary name} (for example {@code com.acme.OrderPlaced}), so that
 * package wildcards such as {@code com.acme.*} work without annotations. A binary name outside the
 * grammar (a class named with a non-ASCII letter, a lambda or hidden class, an array) is still
 * that class's name, in logs and on the wire, but no pattern can name it: subscribe to such a
 * class by class, or give it an {@code @EventType}.
 *
 * <p><b>Thread-safety:</b> all methods are thread-safe; names of classes are computed once per
 * class and cached.
 */
public final class TypeNames {

  /** The longest type name or pattern accepted, in characters. */
  static final int MAX_LENGTH = 255;

  private static final ClassValue<String> NAMES =
      new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
          EventType annotation = type.getAnnotation(EventType.class);
          if (annotation == null) {
            if (isReserved(type.getName())) { // a class dead_letter in a package bus
              throw new IllegalArgumentException("class " + type.getName() + " is named like the"
                  + " bus's own reports, whose type names are reserved: give it an @EventType");
            }
            return type.getName();
          }
          String name = annotation.value();
          String problem = type == DeadLetter.class || type == DeadEvent.class
              ? problemWith(name) : eventNameProblem(name);
          if (problem != null) {
            throw new IllegalArgumentException(
                "@EventType(\"" + name + "\") on " + type.getName() + " is not a valid type name: "
                    + problem);
          }
          return name;
        }
      };

  private TypeNames() {}

  /**
   * Returns the type name of events of a class.
   *
   * @param type the event class
   * @return its type name
   * @throws IllegalArgumentException if the class's {@link EventType @EventType} is malformed,
   *     or its name (given or binary) is {@linkplain #isReserved reserved}
   */
  public static String of(Class<?> type) {
    return NAMES.get(requireNonNull(type, "type"));
  }

  /**
   * Returns the type name of an event: a dynamic event's own type, an envelope's type, or the name
   * of the event's class.
   *
   * @param event a payload, a {@link DynamicEvent} or an {@link Event}
   * @return its type name
   * @throws IllegalArgumentException if the class's {@link EventType @EventType} is malformed,
   *     or its name (given or binary) is {@linkplain #isReserved reserved}
   */
  public static String of(Object event) {
    requireNonNull(event, "event");
    if (event instanceof DynamicEvent dynamic) {
      return dynamic.type();
    }
    if (event instanceof Event<?> envelope) {
      return envelope.type();
    }
    return of(event.getClass());
  }

  /**
   * Tells whether a type name is the bus's own, {@code bus.dead_letter} ({@link DeadLetter}) or
   * {@code bus.dead_event} ({@link DeadEvent}), which no other event may have: its metrics are
   * left out of the totals, and a pattern naming it is meant for the bus's reports. Patterns
   * may name it.
   *
   * @param name a type name
   * @return {@code true} if it is one of the two
   */
  public static boolean isReserved(String name) {
    return "bus.dead_letter".equals(name) || "bus.dead_event".equals(name);
  }

  /** Why an event may not have a reserved name. */
  private static final String RESERVED =
      "it is reserved for the bus's own DeadLetter and DeadEvent";

  /**
   * Tells whether a string is a valid type name.
   *
   * @param name the candidate
   * @return {@code true} if it follows the grammar above
   */
  public static boolean isValid(String name) {
    return name != null && problemWith(name) == null;
  }

  /**
   * Returns the name if a user's event may have it: valid, and not {@linkplain #isReserved
   * reserved}.
   *
   * @param name the candidate
   * @return the name
   * @throws IllegalArgumentException naming what is wrong with it
   */
  static String requireEventName(String name) {
    requireNonNull(name, "type name");
    String problem = eventNameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException("Invalid event type name \"" + name + "\": " + problem);
    }
    return name;
  }

  /** What keeps a name from naming a user's event, or {@code null}: the grammar, or a reserve. */
  private static String eventNameProblem(String name) {
    String problem = problemWith(name);
    return problem == null && isReserved(name) ? RESERVED : problem;
  }

  /** Returns what is wrong with a name, or {@code null} if it is valid. */
  static String problemWith(String name) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "it is longer than " + MAX_LENGTH + " characters";
    }
    int segmentStart = 0;
    for (int i = 0; i <= name.length(); i++) {
      char c = i < name.length() ? name.charAt(i) : '.';
      if (c == '.') {
        if (i == segmentStart) {
          return "segment " + (segmentCount(name, i) + 1) + " is empty (check for a leading,"
              + " trailing or doubled '.')";
        }
        segmentStart = i + 1;
      } else if (!isNameChar(c)) {
        return "character '" + c + "' at index " + i
            + " is not allowed (use ASCII letters and digits, '_', '-', '$', and '.' between"
            + " segments)";
      }
    }
    return null;
  }

  static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '-'
        || c == '$';
  }

  private static int segmentCount(String name, int end) {
    int count = 0;
    for (int i = 0; i < end; i++) {
      if (name.charAt(i) == '.') {
        count++;
      }
    }
    return count;
  }
}
