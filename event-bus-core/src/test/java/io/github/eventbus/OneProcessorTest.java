package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The build's one-processor test run (see this module's POM) runs every {@code Mailbox*Test} again
 * in a JVM told it has one processor: there a mailbox waits for more by yielding, never spinning,
 * and those tests show it still loses nothing and keeps order. This test checks that the run is
 * what it says; elsewhere (a {@code -Dtest} selection runs it in the default run too) it is off.
 */
@EnabledIfSystemProperty(named = "eventbus.test.oneProcessorRun", matches = "true")
class OneProcessorTest {

  @Test
  void thisRun_seesOneProcessor() {
    assertThat(Runtime.getRuntime().availableProcessors())
        .as("the one-processor run lost its -XX:ActiveProcessorCount=1").isEqualTo(1);
  }
}
