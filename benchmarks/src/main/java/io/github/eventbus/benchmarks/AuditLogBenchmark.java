package io.github.eventbus.benchmarks;

import io.github.eventbus.EventBus;
import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.jsonl.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Synchronous publish to one subscriber with the audit log off, on with {@code NONE} and on with
 * {@code FLUSH}, beside Guava's {@code EventBus.post} (which has no audit log) in the same run.
 * Iterations are long enough for the writer's buffer to fill, so a logged score is the rate the
 * writer sustains to a local file.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class AuditLogBenchmark {

  @Param({"OFF", "NONE", "FLUSH"})
  String audit;

  private final SyncDispatchBenchmark.OrderPlaced event = new SyncDispatchBenchmark.OrderPlaced("o-1", 4200);
  private Path directory;
  private AuditLog log;
  private EventBus ours;
  private com.google.common.eventbus.EventBus guava;

  @Setup(Level.Trial)
  public void setUp(Blackhole blackhole) throws IOException {
    directory = Files.createTempDirectory("audit-bench");
    var builder = EventBus.builder().name("bench-audit");
    if (!audit.equals("OFF")) {
      log = AuditLog.builder(directory).durability(Durability.valueOf(audit)).build();
      builder.auditLog(log);
    }
    ours = builder.build();
    ours.subscribe(SyncDispatchBenchmark.OrderPlaced.class, blackhole::consume);
    guava = new com.google.common.eventbus.EventBus("bench-audit");
    guava.register(new GuavaListeners.OfOrder(blackhole));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    ours.close();
    if (log != null) {
      log.close();
    }
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public void ours() {
    ours.publishSync(event);
  }

  @Benchmark
  public void guava() {
    guava.post(event);
  }
}
