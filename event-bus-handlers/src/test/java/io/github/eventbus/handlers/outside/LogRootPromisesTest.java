package io.github.eventbus.handlers.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.handlers.FileChangeHandler;
import io.github.eventbus.handlers.HandlerException;
import io.github.eventbus.handlers.ReportReadyHandler;
import io.github.eventbus.handlers.RiskAlertHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A log root that can never hold the handler's log is refused by build(), as documented. */
class LogRootPromisesTest {

  @TempDir Path dir;

  /** Builds one of the handlers with the given log root. */
  private static Function<Path, AutoCloseable> handler(String which) {
    return switch (which) {
      case "file_changes" -> root -> FileChangeHandler.builder().logRoot(root).build();
      case "reports" -> root -> ReportReadyHandler.builder().logRoot(root).build();
      case "risk_alerts" -> root -> RiskAlertHandler.builder().logRoot(root).build();
      default -> throw new IllegalArgumentException(which);
    };
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"file_changes", "reports", "risk_alerts"})
  void build_logRootIsAFile_throwsHandlerException_namingTheLog(String which) throws Exception {
    Path file = Files.writeString(dir.resolve("logs"), "not a directory");

    assertThatThrownBy(() -> handler(which).apply(file))
        .isInstanceOf(HandlerException.class)
        .hasMessageContaining(file.resolve(which).toString())
        .hasMessageContaining("not a directory");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"file_changes", "reports", "risk_alerts"})
  void build_handlersDirectoryIsAFile_throwsHandlerException(String which) throws Exception {
    Path root = Files.createDirectory(dir.resolve("logs"));
    Files.writeString(root.resolve(which), "not a directory");

    assertThatThrownBy(() -> handler(which).apply(root))
        .isInstanceOf(HandlerException.class)
        .hasMessageContaining(root.resolve(which).toString());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"file_changes/file_changes.jsonl", "reports/report_generations.jsonl",
      "risk_alerts/risk_alerts.jsonl"})
  void build_logFileIsADirectory_throwsHandlerException_namingIt(String log) throws Exception {
    Path root = Files.createDirectory(dir.resolve("logs"));
    Path blocked = Files.createDirectories(root.resolve(log));

    assertThatThrownBy(() -> handler(log.substring(0, log.indexOf('/'))).apply(root))
        .isInstanceOf(HandlerException.class)
        .hasMessageContaining(blocked.toString());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"file_changes/file_changes.jsonl", "reports/report_generations.jsonl",
      "risk_alerts/risk_alerts.jsonl"})
  void build_logFileIsADirectory_namesThePathOnce(String log) throws Exception {
    Path root = Files.createDirectory(dir.resolve("logs"));
    String blocked = Files.createDirectories(root.resolve(log)).toString();

    assertThatThrownBy(() -> handler(log.substring(0, log.indexOf('/'))).apply(root))
        .isInstanceOf(HandlerException.class)
        .satisfies(e -> assertThat(e.getMessage().split(Pattern.quote(blocked), -1))
            .as("pieces of the message around the path").hasSize(2));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"file_changes", "reports", "risk_alerts"})
  void build_whileAnotherHandlerWritesTheLog_throwsHandlerException_untilItIsClosed(String which)
      throws Exception {
    Path root = dir.resolve("logs");
    try (AutoCloseable first = handler(which).apply(root)) {
      assertThatThrownBy(() -> handler(which).apply(root))
          .isInstanceOf(HandlerException.class)
          .hasMessageContaining(root.resolve(which).toString())
          .hasMessageContaining("one writer per file");
      // another handler kind shares the root, not the file
      String other = which.equals("reports") ? "risk_alerts" : "reports";
      handler(other).apply(root).close();
    }
    handler(which).apply(root).close();
  }
}
