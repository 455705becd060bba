package io.github.eventbus.webhooks;

import io.github.eventbus.internal.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** {@link SignatureScheme#stripe()}. */
final class StripeScheme implements SignatureScheme {

  private static final String HEADER = "Stripe-Signature";
  private final Duration tolerance;

  StripeScheme(Duration tolerance) {
    this.tolerance = Settings.positive(tolerance, "tolerance");
  }

  @Override
  public Verification verify(
      byte[] body, Map<String, ?> raw, List<WebhookSecret> secrets, Instant now) {
    String value = Headers.of(raw).get(HEADER);
    if (value == null) {
      return Verification.invalid(VerificationFailure.MISSING_HEADER, HEADER + " is required");
    }
    String[] entries = value.split(",");
    if (entries.length > Hmac.MAX_SIGNATURES + 1) {
      return Verification.invalid(VerificationFailure.MALFORMED, "too many entries in " + HEADER);
    }
    Long timestamp = null;
    List<byte[]> candidates = new ArrayList<>();
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String key = entry.substring(0, eq).strip();
      String val = entry.substring(eq + 1).strip();
      if (key.equals("t")) {
        try {
          timestamp = Long.parseLong(val);
        } catch (NumberFormatException e) {
          return Verification.invalid(VerificationFailure.MALFORMED, "t is not an integer");
        }
      } else if (key.equals("v1")) {
        byte[] decoded = Hmac.hex(val);
        if (decoded != null) {
          candidates.add(decoded);
        }
      }
    }
    if (timestamp == null) {
      return Verification.invalid(VerificationFailure.MALFORMED, HEADER + " has no t=");
    }
    if (!SignedTime.within(now.getEpochSecond(), timestamp, tolerance)) {
      return Verification.invalid(VerificationFailure.STALE_TIMESTAMP,
          "t is more than " + tolerance.toSeconds() + " s from now");
    }
    return Verification.signedIf(Hmac.anyMatches(secrets, WebhookSecret::utf8, candidates,
        Hmac.ascii(timestamp + "."), body), null);
  }

  @Override
  public Map<String, String> sign(
      String id, Instant timestamp, byte[] body, List<WebhookSecret> secrets) {
    long t = timestamp.getEpochSecond();
    StringBuilder value = new StringBuilder("t=").append(t);
    for (WebhookSecret secret : secrets) {
      value.append(",v1=").append(HexFormat.of().formatHex(
          Hmac.sha256(secret.utf8(), Hmac.ascii(t + "."), body)));
    }
    return Map.of(HEADER, value.toString());
  }

  @Override
  public java.util.Optional<Duration> replayWindow() {
    return java.util.Optional.of(tolerance.multipliedBy(2));
  }

  @Override
  public String toString() {
    return "SignatureScheme.stripe(" + tolerance + ")";
  }
}
