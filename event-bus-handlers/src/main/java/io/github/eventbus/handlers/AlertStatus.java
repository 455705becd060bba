package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where an alert stands on the {@link RiskDashboard}. In JSON, the lower-case name.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum AlertStatus {
  /** Received and not yet acknowledged. */
  ACTIVE,
  /** Acknowledged by someone; still active. */
  ACKNOWLEDGED,
  /** Resolved; no longer counted as active. */
  RESOLVED;

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
  public static AlertStatus of(String value) {
    return EnumNames.parse(AlertStatus.class, value);
  }
}
