package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class EventBusBuilderTest {

  @Test
  void options_canBeSetOnce() {
    EventBusBuilder builder = EventBus.builder().name("a");
    assertThatThrownBy(() -> builder.name("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("name was already set").hasMessageNotContaining("\"a\"");
  }

  @Test
  void badValues_failFast_namingTheOption() {
    assertThatThrownBy(() -> EventBus.builder().workers(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("workers must be positive, but was 0");
    assertThatThrownBy(() -> EventBus.builder().queueCapacity(-1))
        .hasMessageContaining("queueCapacity must be positive");
    assertThatThrownBy(() -> EventBus.builder().name("has space"))
        .hasMessageContaining("name must be 1 to 64 letters");
    assertThatThrownBy(() -> EventBus.builder().drainTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("drainTimeout must not be negative");
    assertThatThrownBy(() -> EventBus.builder().blockTimeout(Duration.ZERO))
        .hasMessageContaining("blockTimeout must be a positive duration");
  }

  @Test
  void conflictingOptions_areRejected() {
    assertThatThrownBy(() -> EventBus.builder().workers(2).executor(Executors.newSingleThreadExecutor()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot be combined");
    assertThatThrownBy(() -> EventBus.builder().backpressure(BackpressurePolicy.REJECT)
            .blockTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("blockTimeout applies only to BLOCK and CALLER_RUNS");
  }

  @Test
  void build_canBeCalledTwice_givingIndependentBuses() {
    EventBusBuilder builder = EventBus.builder().name("twice");
    try (EventBus a = builder.build(); EventBus b = builder.build()) {
      a.close();
      assertThat(b.isClosed()).isFalse();
      assertThat(b.name()).isEqualTo("twice");
    }
  }

  @Test
  void subscriptionBuilder_optionsSetOnce_andSubscribesOnce() {
    try (EventBus bus = EventBus.builder().build()) {
      SubscriptionBuilder<String> b = bus.on(String.class).priority(1);
      assertThatThrownBy(() -> b.priority(2)).isInstanceOf(IllegalStateException.class);
      b.subscribe(s -> {});
      assertThatThrownBy(() -> b.subscribe(s -> {}))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("already subscribed");
    }
  }
}
