package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Request text made safe for a log line. */
class LogTextTest {

  @Test
  void controlCharacters_areEscaped_soNoLineCanBeForged() {
    String escaped = LogText.escape("id\r\nINFO  forged\u001b[31m\u0085\u2028\"\\");

    assertThat(escaped).doesNotContain("\r", "\n", "\u001b", "\u0085", "\u2028")
        .isEqualTo("id\\u000d\\u000aINFO  forged\\u001b[31m\\u0085\\u2028\\\"\\\\");
  }

  @Test
  void longText_isCutShort_sayingHowLongItWas() {
    String escaped = LogText.escape("x".repeat(10_000));

    assertThat(escaped).hasSizeLessThan(LogText.MAX + 30).endsWith("...(10000 chars)");
  }
}
