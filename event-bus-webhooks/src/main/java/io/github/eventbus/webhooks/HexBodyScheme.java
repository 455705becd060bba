package io.github.eventbus.webhooks;

import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** {@code sha256=<hex>} of the body under one header: GitHub's and {@code X-Webhook-Signature}. */
final class HexBodyScheme implements SignatureScheme {

  private final String header;
  private final String idHeader;

  HexBodyScheme(String header, String idHeader) {
    this.header = header;
    this.idHeader = idHeader;
  }

  @Override
  public Verification verify(
      byte[] body, Map<String, ?> raw, List<WebhookSecret> secrets, Instant now) {
    Headers headers = Headers.of(raw);
    String value = headers.get(header);
    if (value == null) {
      return Verification.invalid(VerificationFailure.MISSING_HEADER, header + " is required");
    }
    byte[] given = value.startsWith("sha256=") ? Hmac.hex(value.substring(7)) : null;
    if (given == null) {
      return Verification.invalid(VerificationFailure.MALFORMED, header + " is not sha256=<hex>");
    }
    return Verification.signedIf(
        Hmac.anyMatches(secrets, WebhookSecret::utf8, List.of(given), body), headers.get(idHeader));
  }

  @Override
  public Map<String, String> sign(
      String id, Instant timestamp, byte[] body, List<WebhookSecret> secrets) {
    return Map.of(header,
        "sha256=" + HexFormat.of().formatHex(Hmac.sha256(secrets.get(0).utf8(), body)));
  }

  @Override
  public String toString() {
    return "SignatureScheme(" + header + ")";
  }
}
