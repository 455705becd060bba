package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * An executor that runs tasks on the calling thread ({@code Runnable::run}, a pool's
 * CallerRunsPolicy) runs each subscriber's queue inside publish: a handler's Error then reaches
 * the publisher, but only after every subscriber got the event.
 */
class InlineExecutorTest {

  @Test
  void publish_aHandlerError_stillDeliversToTheOtherSubscribers_andFreesEveryPlace() {
    List<String> second = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("inline").executor(Runnable::run)
        .exceptionHandler((e, c) -> { }).build()) {
      bus.on(String.class).priority(10).subscribe(s -> {
        throw new AssertionError("first handler broke");
      });
      bus.on(String.class).priority(1).subscribe(second::add);

      assertThatThrownBy(() -> bus.publish("e")).isInstanceOf(AssertionError.class)
          .hasMessage("first handler broke");

      assertThat(second).containsExactly("e");
      assertThat(bus.metrics().queueDepth()).isZero();
    }
  }
}
