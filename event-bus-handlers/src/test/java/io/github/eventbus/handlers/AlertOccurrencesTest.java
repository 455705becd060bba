package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AlertOccurrencesTest {

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));

  @Test
  void sighting_withinTheWindow_continuesTheOccurrence_afterItStartsANewOne() {
    AlertOccurrences occurrences = new AlertOccurrences(clock, Duration.ofMinutes(10));

    AlertOccurrences.Occurrence first = occurrences.sighting("a");
    first.escalated = true;
    clock.advance(Duration.ofMinutes(10));
    AlertOccurrences.Occurrence again = occurrences.sighting("a");
    clock.advance(Duration.ofMinutes(10).plusMillis(1));
    AlertOccurrences.Occurrence later = occurrences.sighting("a");

    assertThat(again).isSameAs(first);
    assertThat(later).isNotSameAs(first);
    assertThat(later.escalated).isFalse();
    assertThat(later.stepsRun).isEmpty();
    assertThat(later.sighted()).isFalse();
    assertThat(later.sighted()).isTrue();
  }

  @Test
  void aMillionDistinctIds_onlyThoseOfTheLastWindowAreKept() {
    Duration window = Duration.ofSeconds(1);
    AlertOccurrences occurrences = new AlertOccurrences(clock, window);
    int max = 0;

    for (int i = 0; i < 1_000_000; i++) {
      occurrences.sighting("alert-" + i);
      clock.advance(Duration.ofMillis(1));
      max = Math.max(max, occurrences.size());
    }

    // One id per millisecond: a 1 s window holds at most 1001 of them (the window is inclusive).
    assertThat(max).isEqualTo(1001);
    assertThat(occurrences.size()).isEqualTo(1001);
    clock.advance(window.plusMillis(1));
    occurrences.sighting("last");
    assertThat(occurrences.size()).isOne();
  }

  @Test
  void anIdSeenOverAndOver_staysOneOccurrence_andOneEntry() {
    AlertOccurrences occurrences = new AlertOccurrences(clock, Duration.ofMinutes(10));
    AlertOccurrences.Occurrence first = occurrences.sighting("flapping");

    for (int i = 0; i < 10_000; i++) {
      clock.advance(Duration.ofMinutes(9));
      assertThat(occurrences.sighting("flapping")).isSameAs(first);
    }
    assertThat(occurrences.size()).isOne();
  }
}
