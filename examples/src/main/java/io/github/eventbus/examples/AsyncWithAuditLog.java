package io.github.eventbus.examples;

import io.github.eventbus.BackpressurePolicy;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.RejectedEventException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Asynchronous delivery through a bounded queue with backpressure, logged to an audit log. */
public final class AsyncWithAuditLog {

  /** An event. */
  @EventType("metric.sample")
  public record Sample(String name, double value) {}

  private AsyncWithAuditLog() {}

  /**
   * Runs the example.
   *
   * @param args optionally, the directory to log in; a new temporary directory without it
   * @throws Exception if the temporary directory cannot be made
   */
  public static void main(String[] args) throws Exception {
    Path logs = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("audit-example");
    AtomicLong handled = new AtomicLong();
    EventBus bus = EventBus.builder()
        .name("metrics")
        .workers(2)
        .queueCapacity(1_000)
        .backpressure(BackpressurePolicy.BLOCK)
        .blockTimeout(Duration.ofSeconds(2))
        .auditLog(logs)
        .build();
    bus.subscribe(Sample.class, sample -> handled.incrementAndGet());
    try {
      for (int i = 0; i < 10_000; i++) {
        bus.publish(new Sample("cpu", i % 100));  // waits when 1,000 deliveries are pending
      }
    } catch (RejectedEventException e) {
      System.out.println("the queue stayed full for 2 s: " + e.getMessage());
    }
    Path today = bus.auditLogFile().orElseThrow();
    bus.close();                                  // drains the queue and the audit log
    System.out.println("handled " + handled.get() + ", logged to " + today + ", high-water mark "
        + bus.metrics().queueHighWaterMark());
  }
}
