package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The promise every builder of the library makes: each option may be set once, and a second
 * call fails fast with an {@link IllegalStateException} naming the option. Shared by the
 * promise tests of every module (the handlers' through the core test jar).
 */
public final class BuilderPromises {

  private BuilderPromises() {}

  /**
   * Sets each option on a fresh builder, then once more, and expects the second call to be refused
   * naming the option.
   *
   * @param builders makes a fresh builder
   * @param options each option's name and a call that sets it
   * @param <B> the builder type
   */
  public static <B> void eachOptionOnce(Supplier<B> builders, Map<String, Consumer<B>> options) {
    options.forEach((name, set) -> {
      B builder = builders.get();
      set.accept(builder);
      assertThatThrownBy(() -> set.accept(builder)).as(name)
          .isInstanceOf(IllegalStateException.class).hasMessageContaining(name);
    });
  }
}
