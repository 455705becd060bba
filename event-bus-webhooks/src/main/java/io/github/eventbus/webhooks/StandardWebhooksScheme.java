package io.github.eventbus.webhooks;

import io.github.eventbus.internal.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link SignatureScheme#standardWebhooks()}. */
final class StandardWebhooksScheme implements SignatureScheme {

  private final Duration tolerance;

  StandardWebhooksScheme(Duration tolerance) {
    this.tolerance = Settings.positive(tolerance, "tolerance");
  }

  @Override
  public Verification verify(
      byte[] body, Map<String, ?> raw, List<WebhookSecret> secrets, Instant now) {
    Headers headers = Headers.of(raw);
    String id = headers.get("webhook-id");
    String timestamp = headers.get("webhook-timestamp");
    String signature = headers.get("webhook-signature");
    if (id == null || timestamp == null || signature == null) {
      return Verification.invalid(VerificationFailure.MISSING_HEADER,
          "webhook-id, webhook-timestamp and webhook-signature are required");
    }
    long seconds;
    try {
      if (!timestamp.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new NumberFormatException();
      }
      seconds = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return Verification.invalid(VerificationFailure.MALFORMED, "webhook-timestamp is not an integer");
    }
    if (!SignedTime.within(now.getEpochSecond(), seconds, tolerance)) {
      return Verification.invalid(VerificationFailure.STALE_TIMESTAMP,
          "webhook-timestamp is more than " + tolerance.toSeconds() + " s from now");
    }
    List<byte[]> candidates = new ArrayList<>();
    String[] entries = signature.strip().split(" +");
    if (entries.length > Hmac.MAX_SIGNATURES) {
      return Verification.invalid(VerificationFailure.MALFORMED,
          "more than " + Hmac.MAX_SIGNATURES + " signatures");
    }
    for (String entry : entries) {
      int comma = entry.indexOf(',');
      if (comma < 0 || !entry.substring(0, comma).equals("v1")) {
        continue; // unknown versions are ignored
      }
      String encoded = entry.substring(comma + 1);
      try {
        byte[] decoded = Base64.getDecoder().decode(encoded);
        // Only the canonical encoding: another spelling of the same bytes is not what was sent.
        if (Base64.getEncoder().encodeToString(decoded).equals(encoded)) {
          candidates.add(decoded);
        }
      } catch (IllegalArgumentException notBase64) {
        // cannot match
      }
    }
    return Verification.signedIf(Hmac.anyMatches(secrets, WebhookSecret::standardKey, candidates,
        Hmac.utf8(id + "." + timestamp + "."), body), id); // the timestamp as received
  }

  @Override
  public Map<String, String> sign(
      String id, Instant timestamp, byte[] body, List<WebhookSecret> secrets) {
    long seconds = timestamp.getEpochSecond();
    List<String> signatures = new ArrayList<>();
    for (WebhookSecret secret : secrets) {
      signatures.add("v1," + Base64.getEncoder().encodeToString(
          Hmac.sha256(secret.standardKey(), Hmac.utf8(id + "." + seconds + "."), body)));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("webhook-id", id);
    headers.put("webhook-timestamp", Long.toString(seconds));
    headers.put("webhook-signature", String.join(" ", signatures));
    return headers;
  }

  @Override
  public boolean signsWebhookId() {
    return true;
  }

  @Override
  public java.util.Optional<Duration> replayWindow() {
    return java.util.Optional.of(tolerance.multipliedBy(2));
  }

  @Override
  public String toString() {
    return "SignatureScheme.standardWebhooks(" + tolerance + ")";
  }
}
