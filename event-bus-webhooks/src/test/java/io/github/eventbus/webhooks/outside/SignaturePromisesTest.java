package io.github.eventbus.webhooks.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.webhooks.SignatureScheme;
import io.github.eventbus.webhooks.Verification;
import io.github.eventbus.webhooks.VerificationFailure;
import io.github.eventbus.webhooks.WebhookSecret;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The promises of {@link SignatureScheme}, {@link WebhookSecret}, {@link WebhookVerifier} and
 * {@link Verification}, through the public API only.
 */
class SignaturePromisesTest {

  static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final byte[] BODY = "{\"event_type\":\"deployment\",\"data\":{}}"
      .getBytes(StandardCharsets.UTF_8);

  private static List<WebhookSecret> secrets(String... texts) {
    List<WebhookSecret> list = new ArrayList<>();
    for (String t : texts) {
      list.add(WebhookSecret.of(t));
    }
    return list;
  }

  private static WebhookVerifier verifier(SignatureScheme scheme, String... texts) {
    WebhookVerifier.Builder b = WebhookVerifier.builder().scheme(scheme)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC));
    for (String t : texts) {
      b.secret(t);
    }
    return b.build();
  }

  @Test
  void signsWebhookId_isTrueOnlyWhereChangingTheIdBreaksVerification() {
    SignatureScheme standard = SignatureScheme.standardWebhooks();
    Map<String, String> headers = new HashMap<>(standard.sign("msg_1", NOW, BODY, secrets(SECRET)));
    headers.put("webhook-id", "msg_2");
    assertThat(standard.signsWebhookId()).isTrue();
    assertThat(verifier(standard, SECRET).verify(BODY, headers).reason())
        .contains(VerificationFailure.BAD_SIGNATURE);

    Map<SignatureScheme, String> idHeaders = Map.of(SignatureScheme.github(), "X-GitHub-Delivery",
        SignatureScheme.xWebhookSignature(), "webhook-id");
    for (Map.Entry<SignatureScheme, String> e : idHeaders.entrySet()) {
      SignatureScheme scheme = e.getKey();
      String idHeader = e.getValue();
      Map<String, String> h = new HashMap<>(scheme.sign("a", NOW, BODY, secrets("raw secret")));
      h.put(idHeader, "another-id");
      Verification v = verifier(scheme, "raw secret").verify(BODY, h);
      assertThat(v.isValid()).as(scheme.toString()).isTrue();
      assertThat(v.webhookId()).isEqualTo("another-id");
      assertThat(scheme.signsWebhookId()).as(scheme.toString()).isFalse();
    }
  }

  @Test
  void replayWindow_isTwiceTheTolerance_orEmptyForSchemesThatSignNoTime() {
    assertThat(SignatureScheme.standardWebhooks().replayWindow()).contains(Duration.ofSeconds(600));
    assertThat(SignatureScheme.standardWebhooks(Duration.ofSeconds(7)).replayWindow())
        .contains(Duration.ofSeconds(14));
    assertThat(SignatureScheme.stripe().replayWindow()).contains(Duration.ofSeconds(600));
    assertThat(SignatureScheme.slack(Duration.ofSeconds(30)).replayWindow())
        .contains(Duration.ofSeconds(60));
    assertThat(SignatureScheme.github().replayWindow()).isEqualTo(Optional.empty());
    assertThat(SignatureScheme.xWebhookSignature().replayWindow()).isEqualTo(Optional.empty());
  }

  @Test
  void standardWebhooks_acceptsAnyTimestampWithinTheTolerance_eitherWay_andNoFurther() {
    SignatureScheme scheme = SignatureScheme.standardWebhooks(Duration.ofSeconds(60));
    WebhookVerifier v = verifier(scheme, SECRET);
    for (long offset : new long[] {-60, 60}) {
      Map<String, String> h = scheme.sign("m", NOW.plusSeconds(offset), BODY, secrets(SECRET));
      assertThat(v.verify(BODY, h).isValid()).as("offset %d", offset).isTrue();
    }
    for (long offset : new long[] {-61, 61}) {
      Map<String, String> h = scheme.sign("m", NOW.plusSeconds(offset), BODY, secrets(SECRET));
      assertThat(v.verify(BODY, h).reason()).as("offset %d", offset)
          .contains(VerificationFailure.STALE_TIMESTAMP);
    }
  }

  @Test
  void stripe_parsesAtMostSixteenSignatureEntries() {
    SignatureScheme stripe = SignatureScheme.stripe();
    String good = stripe.sign("x", NOW, BODY, secrets("sk_secret")).get("Stripe-Signature");
    String t = good.substring(0, good.indexOf(','));
    String v1 = good.substring(good.indexOf(',') + 1);
    StringBuilder sixteen = new StringBuilder(t);
    for (int i = 0; i < 15; i++) {
      sixteen.append(",v1=").append("00".repeat(32));
    }
    sixteen.append(',').append(v1);
    WebhookVerifier v = verifier(stripe, "sk_secret");
    assertThat(v.verify(BODY, Map.of("Stripe-Signature", sixteen.toString())).isValid()).isTrue();
    String seventeen = sixteen.toString().replace(t + ",", t + ",v1=" + "00".repeat(32) + ",");
    assertThat(v.verify(BODY, Map.of("Stripe-Signature", seventeen)).reason())
        .contains(VerificationFailure.MALFORMED);
  }

  @Test
  void standardWebhooks_parsesSixteenSignatureEntries_theValidOneLast_andRefusesSeventeen() {
    SignatureScheme scheme = SignatureScheme.standardWebhooks();
    Map<String, String> headers = new HashMap<>(scheme.sign("m", NOW, BODY, secrets(SECRET)));
    String good = headers.get("webhook-signature");
    String bogus = "v1," + Base64.getEncoder().encodeToString(new byte[32]) + " ";
    headers.put("webhook-signature", bogus.repeat(15) + good);
    WebhookVerifier v = verifier(scheme, SECRET);
    assertThat(v.verify(BODY, headers).isValid()).isTrue();
    headers.put("webhook-signature", bogus.repeat(16) + good);
    assertThat(v.verify(BODY, headers).reason()).contains(VerificationFailure.MALFORMED);
  }

  @ParameterizedTest
  @CsvSource({
      "standard, webhook-id, , MISSING_HEADER",
      "standard, webhook-timestamp, , MISSING_HEADER",
      "standard, webhook-signature, , MISSING_HEADER",
      "standard, webhook-timestamp, 12a4, MALFORMED",
      "standard, webhook-timestamp, 99999999999999999999, MALFORMED",
      "slack, X-Slack-Signature, , MISSING_HEADER",
      "slack, X-Slack-Request-Timestamp, , MISSING_HEADER",
      "slack, X-Slack-Request-Timestamp, soon, MALFORMED",
      "slack, X-Slack-Signature, v1=00ff, MALFORMED",
      "stripe, Stripe-Signature, , MISSING_HEADER",
      "stripe, Stripe-Signature, t=soon, MALFORMED",
      "stripe, Stripe-Signature, v1=00ff, MALFORMED",
      "github, X-Hub-Signature-256, , MISSING_HEADER",
      "github, X-Hub-Signature-256, sha1=00ff, MALFORMED",
      "github, X-Hub-Signature-256, sha256=zz, MALFORMED",
      "x, X-Webhook-Signature, , MISSING_HEADER"})
  void eachSchemesHeaders_missingOrMalformed_sayWhichKindOfProblem(
      String name, String header, String value, VerificationFailure expected) {
    SignatureScheme scheme = switch (name) {
      case "standard" -> SignatureScheme.standardWebhooks();
      case "slack" -> SignatureScheme.slack();
      case "stripe" -> SignatureScheme.stripe();
      case "github" -> SignatureScheme.github();
      default -> SignatureScheme.xWebhookSignature();
    };
    Map<String, String> headers = new HashMap<>(scheme.sign("m", NOW, BODY, secrets(SECRET)));
    headers.putIfAbsent("webhook-id", "m");
    assertThat(headers.keySet()).as("the scheme signs with %s", header).contains(header);
    if (value == null) {
      headers.remove(header);
    } else {
      headers.put(header, value);
    }
    Verification result = verifier(scheme, SECRET).verify(BODY, headers);
    assertThat(result.reason()).contains(expected);
    assertThat(result.detail()).isNotBlank();
  }

  @Test
  void verifier_readsHeadersInAnyCase_andListValues() {
    SignatureScheme github = SignatureScheme.github();
    String sig = github.sign("d", NOW, BODY, secrets("gh")).get("X-Hub-Signature-256");
    WebhookVerifier v = verifier(github, "gh");
    assertThat(v.verify(BODY, Map.of("x-HUB-signature-256", sig)).isValid()).isTrue();
    Map<String, Object> listed = Map.of("X-Hub-Signature-256", List.of(sig),
        "x-github-delivery", List.of("delivery-9"));
    Verification result = v.verify(BODY, listed);
    assertThat(result.isValid()).isTrue();
    assertThat(result.webhookId()).isEqualTo("delivery-9");
  }

  @Test
  void failures_neverNameASecretOrTheBytesThatDidNotMatch() {
    SignatureScheme scheme = SignatureScheme.standardWebhooks();
    String other = "whsec_" + Base64.getEncoder().encodeToString(
        "another key of 24 bytes!".getBytes(StandardCharsets.UTF_8));
    Map<String, String> forged = scheme.sign("m", NOW, BODY, secrets(other));
    WebhookVerifier v = verifier(scheme, SECRET, "second raw secret");
    Verification result = v.verify(BODY, forged);
    assertThat(result.reason()).contains(VerificationFailure.BAD_SIGNATURE);
    assertThat(result.webhookId()).isNull();
    String signature = forged.get("webhook-signature").substring(3);
    assertThat(result.detail()).isNotBlank()
        .doesNotContain(SECRET.substring(6), "second raw secret", signature,
            signature.substring(0, 8));
    assertThat(v.toString()).doesNotContain(SECRET.substring(6), "second raw secret");
  }

  @Test
  void validVerification_hasNoFailureAndNoDetail() {
    SignatureScheme scheme = SignatureScheme.standardWebhooks();
    Verification ok = verifier(scheme, SECRET)
        .verify(BODY, scheme.sign("m1", NOW, BODY, secrets(SECRET)));
    assertThat(ok.isValid()).isTrue();
    assertThat(ok.failure()).isNull();
    assertThat(ok.detail()).isNull();
    assertThat(ok.reason()).isEmpty();
    assertThat(ok.webhookId()).isEqualTo("m1");
  }

  @Test
  void secret_withoutPrefixButBase64_isDecoded_andNonBase64_isItsUtf8Bytes() {
    SignatureScheme scheme = SignatureScheme.standardWebhooks();
    String encoded = Base64.getEncoder().encodeToString("key bytes".getBytes(StandardCharsets.UTF_8));
    assertThat(scheme.sign("m", NOW, BODY, secrets(encoded)))
        .isEqualTo(scheme.sign("m", NOW, BODY, secrets("whsec_" + encoded)));
    String stripeLike = "whsec_not base64 at all!";
    String asBase64 = "whsec_" + Base64.getEncoder().encodeToString(
        stripeLike.getBytes(StandardCharsets.UTF_8));
    assertThat(scheme.sign("m", NOW, BODY, secrets(stripeLike)))
        .isEqualTo(scheme.sign("m", NOW, BODY, secrets(asBase64)));
  }

  @Test
  void secret_emptyOrPrefixAlone_isRefused_andToStringNeverShowsIt() {
    assertThatThrownBy(() -> WebhookSecret.of("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WebhookSecret.of("whsec_"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WebhookVerifier.builder().secret(""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(WebhookSecret.of("hunter2-secret").toString()).doesNotContain("hunter2");
  }

  @Test
  void verifierBuilder_requiresASecret_andSetsSchemeAndClockOnce_namingThem() {
    assertThatThrownBy(() -> WebhookVerifier.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("secret");
    WebhookVerifier.Builder b = WebhookVerifier.builder().scheme(SignatureScheme.github())
        .clock(Clock.systemUTC());
    assertThatThrownBy(() -> b.scheme(SignatureScheme.slack()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("scheme");
    assertThatThrownBy(() -> b.clock(Clock.systemUTC()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("clock");
    assertThat(WebhookVerifier.builder().secret("s").build().scheme().signsWebhookId())
        .as("the default scheme is Standard Webhooks").isTrue();
  }

  @Test
  void verifier_isThreadSafe_underConcurrentVerifications() throws Exception {
    SignatureScheme scheme = SignatureScheme.standardWebhooks();
    WebhookVerifier v = verifier(scheme, SECRET);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        int n = i;
        byte[] body = ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
        Map<String, String> h = scheme.sign("m" + n, NOW, body, secrets(SECRET));
        Callable<Boolean> check = () -> {
          boolean genuine = v.verify(body, h).isValid();
          byte[] other = ("{\"n\":" + (n + 1) + "}").getBytes(StandardCharsets.UTF_8);
          return genuine && !v.verify(other, h).isValid();
        };
        results.add(pool.submit(check));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get(20, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
