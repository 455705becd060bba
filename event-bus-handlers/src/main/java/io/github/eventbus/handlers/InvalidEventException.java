package io.github.eventbus.handlers;

import java.util.List;

/**
 * An event's data failed validation: a required field is missing, an enum value is unknown, or a
 * value is out of range. Each problem names its field (in the snake_case of the JSON form). Thrown
 * when a record is built and when a handler receives an invalid dynamic event, which the bus then
 * turns into a {@link io.github.eventbus.DeadLetter} with this exception as the cause.
 *
 * <p><b>Thread-safety:</b> immutable once thrown.
 */
public final class InvalidEventException extends HandlerException {

  private static final long serialVersionUID = 1L;

  /** One message per invalid field. */
  private final List<String> problems;

  /**
   * Creates the exception.
   *
   * @param type the event type name
   * @param problems one message per invalid field, each starting with the field name
   */
  public InvalidEventException(String type, List<String> problems) {
    super("invalid " + type + " event: " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * Returns the problems, one per invalid field.
   *
   * @return the problems
   */
  public List<String> problems() {
    return problems;
  }
}
