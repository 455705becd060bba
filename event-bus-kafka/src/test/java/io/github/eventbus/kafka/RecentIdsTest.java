package io.github.eventbus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentIdsTest {

  @Test
  void idIsRemembered_forTheWindow_thenForgotten() {
    RecentIds ids = new RecentIds(1_000, 100);
    ids.add("a", 0);
    assertThat(ids.contains("a", 999)).isTrue();
    assertThat(ids.contains("a", 1_001)).isFalse();
  }

  @Test
  void capacity_boundsMemory_forgettingTheOldestFirst() {
    RecentIds ids = new RecentIds(60_000, 3);
    for (int i = 0; i < 10; i++) {
      ids.add("id-" + i, i);
    }
    assertThat(ids.size()).isEqualTo(3);
    assertThat(ids.contains("id-9", 10)).isTrue();
    assertThat(ids.contains("id-0", 10)).isFalse();
  }

  @Test
  void megabyteIds_areRemembered_andToldApartByTheirLastCharacter() {
    RecentIds ids = new RecentIds(60_000, 100);
    String megabyte = "x".repeat(1 << 20);
    ids.add(megabyte + "a", 0);
    assertThat(ids.contains(megabyte + "a", 1)).isTrue();
    assertThat(ids.contains(megabyte + "b", 1)).isFalse();
    assertThat(ids.contains(megabyte, 1)).isFalse();
  }

  @Test
  void idsThatDifferOnlyInLoneSurrogates_orAQuestionMarkThere_areToldApart() {
    RecentIds ids = new RecentIds(60_000, 100);
    ids.add("sur-\ud800", 0);
    assertThat(ids.contains("sur-\udbff", 1)).isFalse();
    assertThat(ids.contains("sur-?", 1)).isFalse();
    assertThat(ids.contains("sur-\ud800", 1)).isTrue();
  }

  /**
   * A clock set back keeps ids longer (until it catches up with the newest id's time), never
   * shorter: an id is not forgotten before the window has passed since it was added.
   */
  @Test
  void aClockSetBack_keepsIdsLonger_neverForgetsOneEarly() {
    RecentIds ids = new RecentIds(1_000, 100);
    ids.add("a", 10_000);
    ids.add("b", 0); // the clock stepped back ten seconds
    ids.add("c", 500);
    assertThat(ids.contains("b", 900)).isTrue();
    assertThat(ids.contains("c", 1_400)).isTrue();
    assertThat(ids.contains("c", 10_900)).as("until the newest id's window ends").isTrue();
    assertThat(ids.contains("b", 11_001)).isFalse();
    assertThat(ids.contains("c", 11_001)).isFalse();
    assertThat(ids.size()).isZero();
  }
}
