package io.github.eventbus.handlers;

/**
 * A named mitigation step an application registers with
 * {@link RiskAlertHandler.Builder#mitigation(String, MitigationAction)}; run for alerts whose
 * {@code mitigation_steps} name it, at most once per occurrence of an alert id.
 *
 * <p><b>Thread-safety:</b> may be called from several threads for different alerts; must be
 * thread-safe.
 */
@FunctionalInterface
public interface MitigationAction {

  /**
   * Runs the step.
   *
   * @param alert the alert being mitigated
   * @throws Exception if the step failed; recorded for this step, the other steps still run
   */
  void run(RiskAlert alert) throws Exception;
}
