package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The period a report covers. In JSON, the lower-case name.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum ReportType {
  /** {@code daily}. */
  DAILY,
  /** {@code weekly}. */
  WEEKLY,
  /** {@code monthly}. */
  MONTHLY,
  /** {@code custom}. */
  CUSTOM;

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
  public static ReportType of(String value) {
    return EnumNames.parse(ReportType.class, value);
  }
}
