package io.github.eventbus.webhooks;

import java.util.Optional;

/**
 * The result of verifying a webhook request.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param failure why it failed, or null if it is valid
 * @param detail a short explanation for logs, never naming a secret or a byte; null if valid
 * @param webhookId the request's id (the {@code webhook-id}, or GitHub's
 *     {@code X-GitHub-Delivery}), or null if the scheme has none; safe to de-duplicate on only if
 *     the scheme {@linkplain SignatureScheme#signsWebhookId() signs it}
 */
public record Verification(VerificationFailure failure, String detail, String webhookId) {

  static Verification valid(String webhookId) {
    return new Verification(null, null, webhookId);
  }

  static Verification invalid(VerificationFailure failure, String detail) {
    return new Verification(failure, detail, null);
  }

  /** Valid with {@code webhookId} if {@code signed}, else a bad signature. */
  static Verification signedIf(boolean signed, String webhookId) {
    return signed ? valid(webhookId)
        : invalid(VerificationFailure.BAD_SIGNATURE, "no signature matches");
  }

  /**
   * Tells whether the request is authentic and fresh.
   *
   * @return {@code true} if valid
   */
  public boolean isValid() {
    return failure == null;
  }

  /**
   * Returns why it failed.
   *
   * @return the failure, if any
   */
  public Optional<VerificationFailure> reason() {
    return Optional.ofNullable(failure);
  }
}
