package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The vectors and negative cases of ../shared/reference/webhook-signatures.md. */
class WebhookVerifierTest {

  static final String SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final String SW_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  static final long SW_TIME = 1614265330;
  static final byte[] SW_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  static final String SW_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  private static WebhookVerifier standard(long now) {
    return WebhookVerifier.builder().secret(SW_SECRET)
        .clock(Clock.fixed(Instant.ofEpochSecond(now), ZoneOffset.UTC)).build();
  }

  private static Map<String, String> swHeaders(String signature) {
    return Map.of("webhook-id", SW_ID, "webhook-timestamp", Long.toString(SW_TIME),
        "webhook-signature", signature);
  }

  @Test
  void standardWebhooks_vectorSw1_verifies_andOurSignatureIsTheVector() {
    assertThat(standard(SW_TIME).verify(SW_BODY, swHeaders(SW_SIGNATURE)).isValid()).isTrue();
    assertThat(SignatureScheme.standardWebhooks().sign(SW_ID, Instant.ofEpochSecond(SW_TIME), SW_BODY,
        List.of(WebhookSecret.of(SW_SECRET)))).containsEntry("webhook-signature", SW_SIGNATURE);
  }

  @Test
  void standardWebhooks_multipleSignaturesAndUnknownVersions_andMixedCaseHeaders_verify() {
    Map<String, String> headers = Map.of("Webhook-Id", SW_ID, "WEBHOOK-TIMESTAMP",
        Long.toString(SW_TIME), "webhook-Signature",
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
            + SW_SIGNATURE);

    Verification v = standard(SW_TIME).verify(SW_BODY, headers);

    assertThat(v.isValid()).isTrue();
    assertThat(v.webhookId()).isEqualTo(SW_ID);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    "v1,invalid_signature",
    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
    "v1,",
    "v1,g0hM9SsE",
  })
  void standardWebhooks_badSignatures_fail(String signature) {
    Verification v = standard(SW_TIME).verify(SW_BODY, swHeaders(signature));
    assertThat(v.reason()).contains(VerificationFailure.BAD_SIGNATURE);
    assertThat(v.detail()).doesNotContain(SW_SECRET);
  }

  @Test
  void standardWebhooks_staleMalformedOrMissing_fail() {
    assertThat(standard(SW_TIME + 301).verify(SW_BODY, swHeaders(SW_SIGNATURE)).reason())
        .contains(VerificationFailure.STALE_TIMESTAMP);
    assertThat(standard(SW_TIME - 301).verify(SW_BODY, swHeaders(SW_SIGNATURE)).reason())
        .contains(VerificationFailure.STALE_TIMESTAMP);
    assertThat(standard(SW_TIME + 300).verify(SW_BODY, swHeaders(SW_SIGNATURE)).isValid()).isTrue();
    Map<String, String> hello = new HashMap<>(swHeaders(SW_SIGNATURE));
    hello.put("webhook-timestamp", "hello");
    assertThat(standard(SW_TIME).verify(SW_BODY, hello).reason()).contains(VerificationFailure.MALFORMED);
    for (String missing : List.of("webhook-id", "webhook-timestamp", "webhook-signature")) {
      Map<String, String> headers = new HashMap<>(swHeaders(SW_SIGNATURE));
      headers.remove(missing);
      assertThat(standard(SW_TIME).verify(SW_BODY, headers).reason())
          .as(missing).contains(VerificationFailure.MISSING_HEADER);
    }
  }

  @Test
  void standardWebhooks_tooManySignatureEntries_isMalformed() {
    String many = String.join(" ", java.util.Collections.nCopies(17, SW_SIGNATURE));
    assertThat(standard(SW_TIME).verify(SW_BODY, swHeaders(many)).reason())
        .contains(VerificationFailure.MALFORMED);
  }

  @Test
  void keyRotation_anyConfiguredSecretMatches() {
    WebhookVerifier rotated = WebhookVerifier.builder().secret("whsec_" + java.util.Base64
            .getEncoder().encodeToString("an older key, 24+ bytes long".getBytes()))
        .secret(SW_SECRET).clock(Clock.fixed(Instant.ofEpochSecond(SW_TIME), ZoneOffset.UTC)).build();
    assertThat(rotated.verify(SW_BODY, swHeaders(SW_SIGNATURE)).isValid()).isTrue();
  }

  @Test
  void github_documentedVector_verifies_andTamperingFails() {
    WebhookVerifier github = WebhookVerifier.builder().scheme(SignatureScheme.github())
        .secret("It's a Secret to Everybody").build();
    String header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);

    Verification ok = github.verify(body, Map.of("X-Hub-Signature-256", header,
        "X-GitHub-Delivery", "d-1"));
    assertThat(ok.isValid()).isTrue();
    assertThat(ok.webhookId()).isEqualTo("d-1");
    assertThat(github.verify("Hello, World?".getBytes(), Map.of("X-Hub-Signature-256", header))
        .reason()).contains(VerificationFailure.BAD_SIGNATURE);
    assertThat(github.verify(body, Map.of("X-Hub-Signature-256", "md5=abc")).reason())
        .contains(VerificationFailure.MALFORMED);
    assertThat(SignatureScheme.github().sign("id", Instant.EPOCH, body,
        List.of(WebhookSecret.of("It's a Secret to Everybody")))).containsEntry("X-Hub-Signature-256", header);
  }

  @Test
  void xWebhookSignature_isGithubsConstructionUnderItsOwnName() {
    byte[] body = "{\"event_type\":\"file_change\"}".getBytes(StandardCharsets.UTF_8);
    List<WebhookSecret> secret = List.of(WebhookSecret.of("your_secret_key"));
    Map<String, String> signed = SignatureScheme.xWebhookSignature().sign("id", Instant.EPOCH, body, secret);

    assertThat(signed.get("X-Webhook-Signature")).startsWith("sha256=")
        .isEqualTo(SignatureScheme.github().sign("id", Instant.EPOCH, body, secret)
            .get("X-Hub-Signature-256"));
    assertThat(WebhookVerifier.builder().scheme(SignatureScheme.xWebhookSignature()).secret("your_secret_key")
        .build().verify(body, signed).isValid()).isTrue();
  }

  @Test
  void stripe_roundTrip_keyedWithTheWholeSecret_rejectsTimestampsBeyondTheToleranceEitherWay() {
    String secret = "whsec_stripe_test_secret";
    byte[] body = "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
    Instant signedAt = Instant.ofEpochSecond(1_700_000_000L);
    Map<String, String> headers = SignatureScheme.stripe().sign(null, signedAt, body,
        List.of(WebhookSecret.of(secret)));
    WebhookVerifier at = verifierAt(SignatureScheme.stripe(), secret, signedAt.plusSeconds(300));

    assertThat(at.verify(body, headers).isValid()).isTrue();
    assertThat(verifierAt(SignatureScheme.stripe(), secret, signedAt.plusSeconds(301))
        .verify(body, headers).reason()).contains(VerificationFailure.STALE_TIMESTAMP);
    assertThat(verifierAt(SignatureScheme.stripe(), secret, signedAt.minusSeconds(300))
        .verify(body, headers).isValid()).isTrue();
    // a timestamp from the future would otherwise keep verifying long after the replay window
    assertThat(verifierAt(SignatureScheme.stripe(), secret, signedAt.minusSeconds(301))
        .verify(body, headers).reason()).contains(VerificationFailure.STALE_TIMESTAMP);
    assertThat(verifierAt(SignatureScheme.stripe(), secret, signedAt.minusSeconds(3600))
        .verify(body, headers).reason()).contains(VerificationFailure.STALE_TIMESTAMP);
    assertThat(headers.get("Stripe-Signature")).isEqualTo("t=1700000000,v1=" + java.util.HexFormat.of()
        .formatHex(Hmac.sha256(secret.getBytes(StandardCharsets.UTF_8),
            "1700000000.".getBytes(StandardCharsets.US_ASCII), body)));
  }

  /** Timestamps whose distance from now overflows a long, or lands on Long.MIN_VALUE. */
  @ParameterizedTest
  @ValueSource(longs = {Long.MIN_VALUE, Long.MAX_VALUE, 1_700_000_000L + Long.MIN_VALUE,
      Long.MIN_VALUE + 1, -1_700_000_000L})
  void stripeAndSlack_extremeTimestamps_areStale_withoutOverflow(long t) {
    String secret = "whsec_extreme";
    byte[] key = secret.getBytes(StandardCharsets.UTF_8);
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    Instant now = Instant.ofEpochSecond(1_700_000_000L);
    Map<String, String> stripe = Map.of("Stripe-Signature", "t=" + t + ",v1="
        + java.util.HexFormat.of().formatHex(Hmac.sha256(key, Hmac.ascii(t + "."), body)));
    Map<String, String> slack = Map.of("X-Slack-Request-Timestamp", Long.toString(t),
        "X-Slack-Signature", "v0=" + java.util.HexFormat.of().formatHex(
            Hmac.sha256(key, Hmac.ascii("v0:" + t + ":"), body)));

    assertThat(verifierAt(SignatureScheme.stripe(), secret, now).verify(body, stripe).reason())
        .contains(VerificationFailure.STALE_TIMESTAMP);
    assertThat(verifierAt(SignatureScheme.slack(), secret, now).verify(body, slack).reason())
        .contains(VerificationFailure.STALE_TIMESTAMP);
  }

  @Test
  void slack_roundTrip_andStaleTimestamp() {
    byte[] body = "token=x&team_id=T1".getBytes(StandardCharsets.UTF_8);
    Instant t = Instant.ofEpochSecond(1_531_420_618L);
    Map<String, String> headers = SignatureScheme.slack().sign(null, t, body,
        List.of(WebhookSecret.of("8f742231b10e8888abcd99yyyzzz85a5")));

    assertThat(verifierAt(SignatureScheme.slack(), "8f742231b10e8888abcd99yyyzzz85a5", t)
        .verify(body, headers).isValid()).isTrue();
    assertThat(verifierAt(SignatureScheme.slack(), "8f742231b10e8888abcd99yyyzzz85a5",
        t.minusSeconds(301)).verify(body, headers).reason()).contains(VerificationFailure.STALE_TIMESTAMP);
    assertThat(verifierAt(SignatureScheme.slack(Duration.ofSeconds(30)),
        "8f742231b10e8888abcd99yyyzzz85a5", t.plusSeconds(31)).verify(body, headers).reason())
        .contains(VerificationFailure.STALE_TIMESTAMP);
    assertThat(verifierAt(SignatureScheme.stripe(Duration.ofSeconds(30)),
        "whsec_x", t.plusSeconds(31)).verify(body, SignatureScheme.stripe().sign(null, t, body,
            List.of(WebhookSecret.of("whsec_x")))).reason()).contains(VerificationFailure.STALE_TIMESTAMP);
  }

  @Test
  void secrets_emptyRejected_andNeverPrinted() {
    assertThatThrownBy(() -> WebhookSecret.of("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WebhookSecret.of("whsec_")).isInstanceOf(IllegalArgumentException.class);
    assertThat(WebhookSecret.of(SW_SECRET).toString()).doesNotContain("MfKQ");
    assertThat(standard(SW_TIME).toString()).doesNotContain("MfKQ");
  }

  private static WebhookVerifier verifierAt(SignatureScheme scheme, String secret, Instant now) {
    return WebhookVerifier.builder().scheme(scheme).secret(secret)
        .clock(Clock.fixed(now, ZoneOffset.UTC)).build();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"standardWebhooks", "stripe", "slack"})
  void schemeTolerance_notPositive_isRefusedNamingIt(String scheme) {
    Function<Duration, SignatureScheme> factory = switch (scheme) {
      case "standardWebhooks" -> SignatureScheme::standardWebhooks;
      case "stripe" -> SignatureScheme::stripe;
      default -> SignatureScheme::slack;
    };
    // Regression: a negative tolerance made every fresh request fail, and null failed later,
    // in the receiver's build, as a bare NullPointerException.
    for (Duration bad : List.of(Duration.ofSeconds(-5), Duration.ZERO)) {
      assertThatThrownBy(() -> factory.apply(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance");
    }
    assertThatThrownBy(() -> factory.apply(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("tolerance");
    assertThat(factory.apply(Duration.ofSeconds(1)).replayWindow())
        .contains(Duration.ofSeconds(2));
  }
}
