package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TypeNamesTest {

  @EventType("file_change")
  record Annotated(String path) {}

  record Plain(String path) {}

  @EventType("bad name")
  record Malformed() {}

  @EventType("bus.dead_letter")
  record PosingAsADeadLetter() {}

  @Test
  void of_annotatedClass_usesAnnotation() {
    assertThat(TypeNames.of(Annotated.class)).isEqualTo("file_change");
    assertThat(TypeNames.of(new Annotated("/x"))).isEqualTo("file_change");
  }

  @Test
  void of_plainClass_usesBinaryName() {
    assertThat(TypeNames.of(Plain.class)).isEqualTo("io.github.eventbus.TypeNamesTest$Plain");
  }

  @Test
  void of_dynamicEvent_usesItsType() {
    assertThat(TypeNames.of(DynamicEvent.of("deployment", Map.of()))).isEqualTo("deployment");
  }

  @Test
  void of_malformedAnnotation_throwsNamingTheClass() {
    assertThatThrownBy(() -> TypeNames.of(Malformed.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("@EventType(\"bad name\")")
        .hasMessageContaining("Malformed")
        .hasMessageContaining("character ' '").hasMessageContaining("use ASCII letters");
  }

  @Test
  void isValid_followsGrammar() {
    assertThat(TypeNames.isValid("report.ready")).isTrue();
    assertThat(TypeNames.isValid("a$b-c_d.9")).isTrue();
    assertThat(TypeNames.isValid("")).isFalse();
    assertThat(TypeNames.isValid("a.")).isFalse();
    assertThat(TypeNames.isValid("a*")).isFalse();
    assertThat(TypeNames.isValid(null)).isFalse();
  }

  @Test
  void dynamicEvent_invalidType_throws() {
    assertThatThrownBy(() -> DynamicEvent.of("no spaces", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid event type name \"no spaces\"");
  }

  @Test
  void theBusOwnNames_areReservedForItsReports_butPatternsMayNameThem() {
    // Regression: a user event named bus.dead_letter was left out of the totals as the bus's own,
    // and reached subscribers of the bus's dead letters by name.
    assertThat(TypeNames.isReserved("bus.dead_letter")).isTrue();
    assertThat(TypeNames.isReserved("bus.dead_event")).isTrue();
    assertThat(TypeNames.isReserved("bus.arrived")).isFalse();
    assertThat(MetricsRegistry.BUS_TYPES).allMatch(TypeNames::isReserved);
    assertThatThrownBy(() -> DynamicEvent.of("bus.dead_letter", Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
    assertThatThrownBy(() -> TypeNames.of(PosingAsADeadLetter.class))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
    assertThatThrownBy(() -> TypeNames.of(bus.dead_letter.class)) // by its binary name
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
    assertThat(TypeNames.of(DeadLetter.class)).isEqualTo("bus.dead_letter");
    assertThat(TypePattern.compile("bus.dead_letter").matches("bus.dead_letter")).isTrue();
  }
}
