package io.github.eventbus.handlers;

/**
 * Where an alert stands on the {@link RiskDashboard}.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum AlertStatus {
  /** Received and not yet acknowledged. */
  ACTIVE,
  /** Acknowledged by someone; still active. */
  ACKNOWLEDGED,
  /** Resolved; no longer counted as active. */
  RESOLVED
}
