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
}
