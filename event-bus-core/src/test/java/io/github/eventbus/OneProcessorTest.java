package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Runs only in the build's one-processor test run (see this module's POM), which runs every
 * {@code Mailbox*Test} again in a JVM told it has one processor: there a mailbox waits for more
 * by yielding, never spinning, and the tests show it still loses nothing and keeps order.
 */
class OneProcessorTest {

  @Test
  void thisRun_seesOneProcessor() {
    assertThat(Runtime.getRuntime().availableProcessors())
        .as("the one-processor run lost its -XX:ActiveProcessorCount=1").isEqualTo(1);
  }
}
