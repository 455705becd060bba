package io.github.eventbus.internal;

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

  @Test
  void bidiControlsAndLoneSurrogates_areEscaped_butPairedSurrogatesKept() {
    String escaped = LogText.escape("a\u202eb\u2066c\u200fd\ud800e\udfff\ud83d\ude00");

    assertThat(escaped).isEqualTo("a\\u202eb\\u2066c\\u200fd\\ud800e\\udfff\ud83d\ude00");
    assertThat(LogText.safe("caf\u00e9 \ud83d\ude00")).isTrue();
    assertThat(LogText.safe("\ude00\ud83d")).isFalse(); // halves in the wrong order
  }

  @Test
  void aCutAtAPair_leavesNeitherHalfAlone() {
    String pair = "\uD83D\uDE00";
    assertThat(LogText.safe(LogText.escape("a".repeat(LogText.MAX - 1) + pair + " tail"))).isTrue();
    assertThat(LogText.safe(LogText.printable("a".repeat(999) + pair + " tail", 1000))).isTrue();
    assertThat(LogText.printable("a".repeat(998) + pair + " tail", 1000))
        .startsWith("a".repeat(998) + pair);
  }

  @Test
  void invisibleFormatCharacters_areEscaped_soTwoIdsCannotLookAlike() {
    // Zero-width space, word joiner, byte-order mark, soft hyphen, a tag character (a pair).
    String escaped = LogText.escape("a\u200bb\u2060c\ufeffd\u00ade\udb40\udc41f");

    assertThat(escaped)
        .isEqualTo("a\\u200bb\\u2060c\\ufeffd\\u00ade\\udb40\\udc41f");
    assertThat(LogText.safe("evt-\u200b1")).isFalse();
    assertThat(LogText.safe("evt-\u00e9-\ud83d\ude00")).isTrue();
  }

  @Test
  void withoutLoneSurrogates_replacesOnlyLoneHalves() {
    String pair = "\ud83d\ude00";
    assertThat(LogText.withoutLoneSurrogates("a" + pair + "b")).isEqualTo("a" + pair + "b");
    assertThat(LogText.withoutLoneSurrogates("\ud800a\udfff" + pair + "\udc00\ud800"))
        .isEqualTo("\ufffda\ufffd" + pair + "\ufffd\ufffd");
    // The flag of England: tag characters, pairs whose characters are format ones, are text.
    String england = "\ud83c\udff4\udb40\udc67\udb40\udc62\udb40\udc65\udb40\udc6e"
        + "\udb40\udc67\udb40\udc7f";
    assertThat(LogText.withoutLoneSurrogates(england)).isSameAs(england);
  }
}
