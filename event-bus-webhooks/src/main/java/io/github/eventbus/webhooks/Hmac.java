package io.github.eventbus.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.List;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 over concatenated parts, and constant-time comparison. */
final class Hmac {

  /** The most signature entries parsed from one request. */
  static final int MAX_SIGNATURES = 16;

  private Hmac() {}

  static byte[] sha256(byte[] key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      for (byte[] part : parts) {
        mac.update(part);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Tells whether some candidate is the HMAC-SHA256 of {@code content} under some secret's key:
   * the check every scheme ends with; each comparison is constant-time.
   */
  static boolean anyMatches(List<WebhookSecret> secrets, Function<WebhookSecret, byte[]> key,
      List<byte[]> candidates, byte[]... content) {
    for (WebhookSecret secret : secrets) {
      byte[] expected = sha256(key.apply(secret), content);
      for (byte[] candidate : candidates) {
        if (same(expected, candidate)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Constant-time for equal lengths; unequal lengths never match. */
  static boolean same(byte[] expected, byte[] given) {
    return given != null && expected.length == given.length && MessageDigest.isEqual(expected, given);
  }

  /** Decodes lower- or upper-case hex; null if malformed. */
  static byte[] hex(String text) {
    if (text.length() % 2 != 0) {
      return null;
    }
    try {
      return java.util.HexFormat.of().parseHex(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
