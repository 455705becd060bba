package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A signing secret. Given as {@code whsec_<base64>} (Standard Webhooks, Svix) or as a raw string
 * ({@code X-Webhook-Signature}, GitHub, Slack).
 *
 * <p>Each scheme takes its key the way its senders do: Standard Webhooks uses the base64-decoded
 * part after {@code whsec_} (or the whole string decoded, if it is base64 without the prefix; a
 * string that is not base64, such as a Stripe secret, is used as its UTF-8 bytes); GitHub, Slack and {@code X-Webhook-Signature} use the UTF-8 bytes of the string;
 * Stripe uses the UTF-8 bytes of the whole string, {@code whsec_} included.
 *
 * <p>{@link #toString()} never shows the secret.
 *
 * <p><b>Thread-safety:</b> immutable.
 */
public final class WebhookSecret {

  private static final String PREFIX = "whsec_";

  private final byte[] text;
  private final byte[] standardKey;

  private WebhookSecret(String secret) {
    this.text = secret.getBytes(StandardCharsets.UTF_8);
    String encoded = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
    byte[] key;
    try {
      key = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException notBase64) {
      key = text; // for instance a Stripe secret, which is whsec_ but not base64
    }
    if (key.length == 0) {
      throw new IllegalArgumentException("the secret decodes to no bytes");
    }
    this.standardKey = key;
  }

  /**
   * Makes a secret.
   *
   * @param secret {@code whsec_...} or a raw string
   * @return the secret
   * @throws IllegalArgumentException if empty or {@code whsec_} alone
   */
  public static WebhookSecret of(String secret) {
    requireNonNull(secret, "secret");
    if (secret.isEmpty() || secret.equals(PREFIX)) {
      throw new IllegalArgumentException("a webhook secret must not be empty");
    }
    return new WebhookSecret(secret);
  }

  byte[] utf8() {
    return text;
  }

  byte[] standardKey() {
    return standardKey;
  }

  /** Never shows the secret. */
  @Override
  public String toString() {
    return "WebhookSecret(***)";
  }
}
