package io.github.eventbus.benchmarks;

import com.google.common.eventbus.Subscribe;
import io.github.eventbus.EventBus;
import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.jsonl.Durability;
import io.github.eventbus.jsonl.WriterStats;
import java.io.IOException;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Synchronous publish of a small event (three fields) to one subscriber with the audit log off
 * ({@code OFF}: the unlogged bus), on with {@code NONE}, and on with {@code FLUSH}, from one and
 * from two publishing threads; beside Guava's {@code EventBus.post} (which has no audit log).
 * Iterations are long enough for the writer's buffer to fill, so a logged score is the rate the
 * writer sustains to a local file: publishers wait when the buffer is full, nothing is dropped,
 * and the trial fails unless every event is a line in the file. Run it in the same JMH run as
 * {@link Log4j2AuditBenchmark} and {@link LogbackAuditBenchmark}, which write the same events:
 * {@code java -jar benchmarks/target/benchmarks.jar 'Audit'}. A trial writes a few GB to a
 * temporary directory, deleted at its end.
 */
public class AuditLogBenchmark extends AuditRun {

  @Param({"OFF", "NONE", "FLUSH"})
  String audit;

  private Path directory;
  private AuditLog log;
  private EventBus ours;
  private com.google.common.eventbus.EventBus guava;

  /** Guava's subscriber of the same event. */
  public static final class GuavaSubscriber {
    private final Blackhole blackhole;

    GuavaSubscriber(Blackhole blackhole) {
      this.blackhole = blackhole;
    }

    /**
     * Consumes the event.
     *
     * @param event the event
     */
    @Subscribe
    public void on(AuditEvents.OrderPlaced event) {
      blackhole.consume(event);
    }
  }

  @Setup(Level.Trial)
  public void setUp(Blackhole blackhole) throws IOException {
    directory = newDirectory("audit-bench");
    var builder = EventBus.builder().name("bench-audit");
    if (!audit.equals("OFF")) {
      log = AuditLog.builder(directory).durability(Durability.valueOf(audit)).build();
      builder.auditLog(log);
    }
    ours = builder.build();
    ours.subscribe(AuditEvents.OrderPlaced.class, blackhole::consume);
    guava = new com.google.common.eventbus.EventBus("bench-audit");
    guava.register(new GuavaSubscriber(blackhole));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    ours.close();
    if (log != null) {
      log.close();
      WriterStats stats = log.stats();
      if (stats.dropped() + stats.unwritten() + stats.pending() + stats.failedWrites() > 0
          || stats.written() != stats.appended()) {
        throw new IllegalStateException("audit log lost events: " + stats);
      }
      AuditEvents.checkNothingDropped("audit log " + audit, directory, stats.appended());
    }
    AuditEvents.deleteTree(directory);
  }

  @Benchmark
  public void ours() {
    ours.publishSync(AuditEvents.ORDER);
  }

  @Benchmark
  @Threads(2)
  public void oursTwoThreads() {
    ours.publishSync(AuditEvents.ORDER);
  }

  @Benchmark
  public void guava() {
    guava.post(AuditEvents.ORDER);
  }
}
