package io.github.eventbus.webhooks;

/**
 * Why a webhook request failed verification. Says what kind of problem it was, never which secret
 * or which bytes did not match.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum VerificationFailure {
  /** A header the scheme needs is absent. */
  MISSING_HEADER,
  /** A header is present but not in the scheme's format (for example a non-integer timestamp). */
  MALFORMED,
  /** The signed timestamp is outside the tolerance of the verifier's clock. */
  STALE_TIMESTAMP,
  /** No signature matched any secret. */
  BAD_SIGNATURE
}
