package io.github.eventbus.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.github.eventbus.EventBus;
import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The audit log's settings: a mapper of your own names the fields of {@code data}, and failures
 * go to your alerting at a retry interval you choose.
 */
public final class AuditLogSettings {

  /** An event; its fields are named by the log's mapper. */
  @io.github.eventbus.EventType("order.placed")
  public record OrderPlaced(String orderId) {}

  /** Where audit failures go in this example; a pager or an alerting client in real life. */
  @FunctionalInterface
  public interface Pager {
    /**
     * Sends a page.
     *
     * @param message what to say
     */
    void page(String message);
  }

  private AuditLogSettings() {}

  /**
   * Runs the example.
   *
   * @param args optionally, the directory to log in; a new temporary directory without it
   * @throws Exception if the log cannot be written or read
   */
  public static void main(String[] args) throws Exception {
    Path logs = args.length > 0 ? Path.of(args[0])
        : Files.createTempDirectory("audit-settings-example");
    List<String> lines = snakeCase(logs.resolve("snake"));
    System.out.println("logged: " + lines);
    loudFailures(logs.resolve("loud"), message -> System.out.println("paged: " + message));
    System.out.println("logs in " + logs);
  }

  /** Names every field of {@code data} in snake case; returns the lines written. */
  static List<String> snakeCase(Path logs) throws Exception {
    ObjectMapper mapper = JsonLinesWriter.defaultMapper()
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    AuditLog audit = AuditLog.builder(logs).mapper(mapper).build();  // record OrderPlaced(String orderId)
    EventBus bus = EventBus.builder().auditLog(audit).build();        //   -> "data":{"order_id":"o-1"}
    try (audit; bus) { // closed in reverse order: the bus, then the log, which is yours to close
      bus.publishSync(new OrderPlaced("o-1"));
    }
    return Files.readAllLines(audit.currentFile(), StandardCharsets.UTF_8);
  }

  /**
   * Sends audit failures to a pager, retrying every 5 s, and closes within 30 s; then deletes the
   * log's directory under it, as a careless clean-up job might, to show a page.
   */
  static void loudFailures(Path logs, Pager alerts) throws Exception {
    AuditLog audit = AuditLog.builder(logs)
        .errorHandler((file, problem, cause) -> alerts.page("audit log: " + problem))
        .retryDelay(Duration.ofSeconds(5))
        .closeTimeout(Duration.ofSeconds(30))
        .build();
    try (audit; EventBus bus = EventBus.builder().auditLog(audit).build()) {
      bus.publishSync(new OrderPlaced("o-2"));
      audit.flush().get();
      Files.delete(audit.currentFile());      // the log's only file, then its directory: the
      Files.delete(logs);                     // next write pages "... was deleted ..." and makes
      bus.publishSync(new OrderPlaced("o-3")); // a new file for o-3
      audit.flush().get();
    }
  }
}
