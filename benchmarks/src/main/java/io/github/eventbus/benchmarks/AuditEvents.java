package io.github.eventbus.benchmarks;

import io.github.eventbus.EventType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the audit-log benchmarks and their peers write: the same small event (three fields) as one
 * JSON line with an id, a timestamp, a type and a source, and the check that every line published
 * reached the file.
 */
public final class AuditEvents {

  private AuditEvents() {}

  /** The small event: three fields. */
  @EventType("order_placed")
  public record OrderPlaced(String orderId, long amountCents, String currency) {}

  static final OrderPlaced ORDER = new OrderPlaced("o-1", 4200, "EUR");

  /** The event's data as the peers log it (a map their JSON writers know). */
  static final Map<String, Object> ORDER_DATA =
      Map.of("orderId", ORDER.orderId(), "amountCents", ORDER.amountCents(), "currency", ORDER.currency());

  /** A random id of the same shape as the bus's (a UUID string), made per event as the bus does. */
  static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  /** Counts the lines of every file under {@code directory}. */
  static long countLines(Path directory) throws IOException {
    long lines = 0;
    ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
          while (channel.read(chunk.clear()) > 0) {
            chunk.flip();
            while (chunk.hasRemaining()) {
              if (chunk.get() == '\n') {
                lines++;
              }
            }
          }
        }
      }
    }
    return lines;
  }

  /** Fails the trial unless exactly {@code published} lines reached the files. */
  static void checkNothingDropped(String who, Path directory, long published) throws IOException {
    long lines = countLines(directory);
    if (lines != published) {
      throw new IllegalStateException(who + ": " + published + " events published but " + lines
          + " lines in " + directory);
    }
  }

  static void deleteTree(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      List<Path> all = paths.sorted(Comparator.reverseOrder()).toList();
      for (Path p : all) {
        Files.delete(p);
      }
    }
  }

  /** The events published by all threads of a trial, summed at its end. */
  @State(Scope.Benchmark)
  public static class Counts {
    private final ConcurrentLinkedQueue<Publisher> publishers = new ConcurrentLinkedQueue<>();

    long total() {
      return publishers.stream().mapToLong(p -> p.published).sum();
    }
  }

  /** One publishing thread's count. */
  @State(Scope.Thread)
  public static class Publisher {
    long published;

    @Setup(Level.Trial)
    public void register(Counts counts) {
      counts.publishers.add(this);
    }
  }
}
