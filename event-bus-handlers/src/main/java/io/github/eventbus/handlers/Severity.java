package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How serious a risk alert is, from {@code low} to {@code critical}; ordered, so
 * {@code compareTo} ranks them. In JSON, the lower-case name.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum Severity {
  /** {@code low}. */
  LOW,
  /** {@code medium}. */
  MEDIUM,
  /** {@code high}. */
  HIGH,
  /** {@code critical}. */
  CRITICAL;

  /**
   * Returns the JSON form.
   *
   * @return the lower-case name
   */
  @JsonValue
  public String json() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses the JSON form, in any ASCII case.
   *
   * @param value the name
   * @return the constant
   * @throws IllegalArgumentException if no constant has that name
   */
  @JsonCreator
  public static Severity of(String value) {
    return EnumNames.parse(Severity.class, value);
  }
}
