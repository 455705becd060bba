package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The exception context names the listener object and its method, or the lambda handler. */
class ExceptionContextTest {

  record Item(int n) {}

  /** A listener whose method fails. */
  static final class Failing {
    @Subscribe
    public void onItem(Item item) {
      throw new IllegalStateException("listener failure");
    }
  }

  @Test
  void registeredListener_contextCarriesListenerAndMethod() throws Exception {
    List<SubscriberExceptionContext> contexts = new CopyOnWriteArrayList<>();
    Failing listener = new Failing();
    try (EventBus bus = EventBus.builder().name("context-listener")
        .exceptionHandler((e, c) -> contexts.add(c)).build()) {
      bus.subscribe(DeadLetter.class, l -> {});
      bus.register(listener);
      bus.publishSync(new Item(1));
    }
    assertThat(contexts).singleElement().satisfies(c -> {
      assertThat(c.listener()).isSameAs(listener);
      assertThat(c.method()).isEqualTo(Failing.class.getMethod("onItem", Item.class));
      assertThat(c.bus()).isEqualTo("context-listener");
    });
  }

  @Test
  void lambdaHandler_contextCarriesHandlerObjectAndNoMethod() {
    List<SubscriberExceptionContext> contexts = new CopyOnWriteArrayList<>();
    EventHandler<Item> handler = i -> {
      throw new IllegalStateException("lambda failure");
    };
    try (EventBus bus = EventBus.builder().name("context-lambda")
        .exceptionHandler((e, c) -> contexts.add(c)).build()) {
      bus.subscribe(DeadLetter.class, l -> {});
      bus.subscribe(Item.class, handler);
      bus.publishSync(new Item(1));
    }
    assertThat(contexts).singleElement().satisfies(c -> {
      assertThat(c.listener()).isSameAs(handler);
      assertThat(c.method()).isNull();
    });
  }
}
