package io.github.eventbus.examples;

import static io.github.eventbus.examples.Logs.linesUnder;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogSettingsTest {

  @TempDir Path dir;

  @Test
  void snakeCaseMapper_namesTheDataFields() throws Exception {
    assertThat(AuditLogSettings.snakeCase(dir)).singleElement().asString()
        .contains("\"type\":\"order.placed\"").endsWith("\"data\":{\"order_id\":\"o-1\"}}");
  }

  @Test
  void main_logsBothEvents_inTheDirectoryGiven() throws Exception {
    AuditLogSettings.main(new String[] {dir.toString()});

    assertThat(linesUnder(dir.resolve("snake"))).singleElement().asString()
        .contains("\"order_id\":\"o-1\"");
    assertThat(linesUnder(dir.resolve("loud"))).singleElement().asString()
        .contains("\"orderId\":\"o-2\"");
  }
}
