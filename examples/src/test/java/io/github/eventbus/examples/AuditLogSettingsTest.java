package io.github.eventbus.examples;

import static io.github.eventbus.examples.Logs.linesUnder;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
  void loudFailures_pagesOnce_whenTheDirectoryIsDeleted_andLogsTheNextEventAnew() throws Exception {
    List<String> pages = new CopyOnWriteArrayList<>();
    AuditLogSettings.loudFailures(dir.resolve("loud"), pages::add);

    assertThat(pages).singleElement().asString().startsWith("audit log: ").contains("deleted");
    assertThat(linesUnder(dir.resolve("loud"))).singleElement().asString()
        .contains("\"orderId\":\"o-3\"");
  }

  @Test
  void main_logsInTheDirectoryGiven_andPrintsThePage() throws Exception {
    String printed = Printed.by(() -> AuditLogSettings.main(new String[] {dir.toString()}));

    assertThat(linesUnder(dir.resolve("snake"))).singleElement().asString()
        .contains("\"order_id\":\"o-1\"");
    assertThat(linesUnder(dir.resolve("loud"))).singleElement().asString()
        .contains("\"orderId\":\"o-3\"");
    assertThat(printed.lines()).filteredOn(l -> l.startsWith("paged: audit log: ")).hasSize(1);
  }
}
