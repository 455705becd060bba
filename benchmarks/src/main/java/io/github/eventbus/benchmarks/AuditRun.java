package io.github.eventbus.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How every audit-log benchmark is measured, in one place so that the audit log and its peers
 * ({@link AuditLogBenchmark}, {@link Log4j2AuditBenchmark}, {@link LogbackAuditBenchmark}) are
 * measured alike: throughput in operations per microsecond, 2 warm-up and 5 measured iterations
 * of 3 s, one fork with a pre-touched 1 GiB heap. JMH's annotations are inherited; a peer that
 * needs more JVM options repeats {@code @Fork} with them.
 *
 * <p>The files go to a new directory under the system temporary directory, or under the one named
 * by the system property {@code audit.dir}: {@code -jvmArgsPrepend -Daudit.dir=/dev/shm} writes to
 * memory (tmpfs), which takes the disk's write-back out of the measurement and leaves the writers'
 * own cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public abstract class AuditRun {

  /** A new directory for one trial's files, under {@code audit.dir} if that is set. */
  static Path newDirectory(String prefix) throws IOException {
    String parent = System.getProperty("audit.dir");
    return parent == null ? Files.createTempDirectory(prefix)
        : Files.createTempDirectory(Path.of(parent), prefix);
  }
}
