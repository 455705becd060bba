package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TypePatternTest {

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource({
    "*, file_change, true",
    "*, report.daily.ready, true",
    "file_change, file_change, true",
    "file_change, file_changes, false",
    "file_change, File_change, false",
    "report.*, report.ready, true",
    "report.*, report.daily.ready, true",
    "report.*, report, false",
    "report.*, reports.ready, false",
    "report.*, xreport.ready, false",
    "*.created, file.created, true",
    "*.created, a.file.created, false",
    "*.created, created, false",
    "a.*.c, a.b.c, true",
    "a.*.c, a.b.x.c, false",
    "a.*.c.*, a.b.c.d.e, true",
    "a.*.c.*, a.b.c, false",
    "com.acme.*, com.acme.Order$Placed, true",
  })
  void matches_followsTheGrammar(String pattern, String name, boolean expected) {
    assertThat(TypePattern.compile(pattern).matches(name)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "\"{0}\" is rejected: {1}")
  @CsvSource(delimiter = '|', value = {
    "''|it is empty",
    "report.|segment 2 is empty",
    ".report|segment 1 is empty",
    "a..b|segment 2 is empty",
    "rep*|'*' must be a whole segment",
    "a.**|'*' must be a whole segment",
    "a b|character ' ' in segment 1",
    "a/b|character '/' in segment 1",
    "café.*|character 'é' in segment 1 is not allowed (use ASCII letters",
  })
  void compile_malformed_throwsWithReason(String pattern, String reason) {
    assertThatThrownBy(() -> TypePattern.compile(pattern))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid type pattern \"" + pattern + "\"")
        .hasMessageContaining(reason);
  }

  @org.junit.jupiter.api.Test
  void compile_tooLong_throws() {
    assertThatThrownBy(() -> TypePattern.compile("a".repeat(256)))
        .hasMessageContaining("longer than 255");
  }

  @org.junit.jupiter.api.Test
  void isExact_onlyWithoutWildcards() {
    assertThat(TypePattern.compile("a.b").isExact()).isTrue();
    assertThat(TypePattern.compile("a.*").isExact()).isFalse();
    assertThat(TypePattern.all().matches("anything.at.all")).isTrue();
  }
}
