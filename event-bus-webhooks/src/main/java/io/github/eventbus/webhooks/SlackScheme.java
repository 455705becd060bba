package io.github.eventbus.webhooks;

import io.github.eventbus.internal.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link SignatureScheme#slack()}. */
final class SlackScheme implements SignatureScheme {

  private final Duration tolerance;

  SlackScheme(Duration tolerance) {
    this.tolerance = Settings.positive(tolerance, "tolerance");
  }

  @Override
  public Verification verify(
      byte[] body, Map<String, ?> raw, List<WebhookSecret> secrets, Instant now) {
    Headers headers = Headers.of(raw);
    String signature = headers.get("X-Slack-Signature");
    String timestamp = headers.get("X-Slack-Request-Timestamp");
    if (signature == null || timestamp == null) {
      return Verification.invalid(VerificationFailure.MISSING_HEADER,
          "X-Slack-Signature and X-Slack-Request-Timestamp are required");
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.strip());
    } catch (NumberFormatException e) {
      return Verification.invalid(VerificationFailure.MALFORMED,
          "X-Slack-Request-Timestamp is not an integer");
    }
    if (!SignedTime.within(now.getEpochSecond(), seconds, tolerance)) {
      return Verification.invalid(VerificationFailure.STALE_TIMESTAMP, "the timestamp is stale");
    }
    byte[] given = signature.startsWith("v0=") ? Hmac.hex(signature.substring(3)) : null;
    if (given == null) {
      return Verification.invalid(VerificationFailure.MALFORMED, "X-Slack-Signature is not v0=<hex>");
    }
    return Verification.signedIf(Hmac.anyMatches(secrets, WebhookSecret::utf8, List.of(given),
        Hmac.ascii("v0:" + seconds + ":"), body), null);
  }

  @Override
  public Map<String, String> sign(
      String id, Instant timestamp, byte[] body, List<WebhookSecret> secrets) {
    long t = timestamp.getEpochSecond();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Slack-Request-Timestamp", Long.toString(t));
    headers.put("X-Slack-Signature", "v0=" + HexFormat.of().formatHex(
        Hmac.sha256(secrets.get(0).utf8(), Hmac.ascii("v0:" + t + ":"), body)));
    return headers;
  }

  @Override
  public java.util.Optional<Duration> replayWindow() {
    return java.util.Optional.of(tolerance.multipliedBy(2));
  }

  @Override
  public String toString() {
    return "SignatureScheme.slack(" + tolerance + ")";
  }
}
