package io.github.eventbus.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the writer's tests do again and again: write and wait, read a file, check the counts. */
final class WriterChecks {

  private WriterChecks() {}

  /** Appends {@code {"n":n}} and waits until it is in the file. */
  static void writeAndWait(JsonLinesWriter<Object> w, int n) throws Exception {
    w.appendAcknowledged(Map.of("n", n)).get(20, TimeUnit.SECONDS);
  }

  static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }

  /**
   * Waits up to 20 s until the writer has counted at least {@code n} failed writes (it retries
   * every retryDelay), then asserts that it has.
   */
  static void awaitFailedWrites(JsonLinesWriter<?> w, long n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (w.stats().failedWrites() < n && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(w.stats().failedWrites()).isGreaterThanOrEqualTo(n);
  }

  /** Every appended record is written, pending, unencodable or unwritten, and no more are. */
  static void assertConsistent(WriterStats s) {
    assertThat(s.written() + s.pending() + s.unencodable() + s.unwritten())
        .as("appended = written + pending + unencodable + unwritten: %s", s)
        .isEqualTo(s.appended());
    assertThat(s.written()).as("written never passes appended: %s", s)
        .isLessThanOrEqualTo(s.appended());
  }

}
