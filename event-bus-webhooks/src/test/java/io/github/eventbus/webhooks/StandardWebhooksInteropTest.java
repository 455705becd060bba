package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our signer and verifier against the Standard Webhooks reference library, both ways. */
class StandardWebhooksInteropTest {

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void ourSignatures_verifyWithTheReferenceLibrary_andTheirsWithOurs(long seed) throws Exception {
    Random random = new Random(seed);
    byte[] keyBytes = new byte[24 + random.nextInt(40)];
    random.nextBytes(keyBytes);
    String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString(keyBytes);
    Webhook reference = new Webhook(secret);
    for (int i = 0; i < 50; i++) {
      String id = "msg_" + Long.toHexString(random.nextLong());
      String payload = "{\"n\":" + random.nextInt() + ",\"text\":\"h\\u00e9llo " + i + "\"}";
      byte[] body = payload.getBytes(StandardCharsets.UTF_8);
      Instant now = Instant.now();

      Map<String, String> ours = SignatureScheme.standardWebhooks().sign(id, now, body,
          List.of(WebhookSecret.of(secret)));
      reference.verify(payload, ours.entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))));

      String theirs = reference.sign(id, now.getEpochSecond(), payload);
      Verification v = WebhookVerifier.builder().secret(secret)
          .clock(Clock.fixed(now, ZoneOffset.UTC)).build()
          .verify(body, Map.of("webhook-id", id, "webhook-timestamp", Long.toString(now.getEpochSecond()),
              "webhook-signature", theirs));
      assertThat(v.isValid()).isTrue();
      assertThat(theirs).isEqualTo(ours.get("webhook-signature"));
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {4})
  void aTamperedBody_failsInBoth(long seed) {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    Instant now = Instant.now();
    Map<String, String> ours = SignatureScheme.standardWebhooks().sign("msg_1", now,
        "{\"a\":1}".getBytes(StandardCharsets.UTF_8), List.of(WebhookSecret.of(secret)));
    assertThatThrownBy(() -> new Webhook(secret).verify("{\"a\":2}", ours.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue())))))
        .isInstanceOf(WebhookVerificationException.class);
  }
}
