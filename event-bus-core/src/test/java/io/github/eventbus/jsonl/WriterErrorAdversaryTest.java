package io.github.eventbus.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.TestThreads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Adversary probes of the writer surviving Errors: an encoder throwing an Error on every Nth
 * record, a self-containing list overflowing the stack in Jackson, an error handler that throws an
 * Error every time, appended from several threads with acknowledgements while the writer closes.
 * Every accepted record is written or counted (unencodable or unwritten) with its acknowledgement
 * completed exceptionally; the writer goes on writing after each Error.
 */
class WriterErrorAdversaryTest {

  @TempDir Path dir;

  static IntStream seeds() {
    return IntStream.rangeClosed(1, Integer.getInteger("probe.seeds", 4));
  }

  /** An Error of the probe's own, thrown by the encoder on purpose. */
  static final class PlannedError extends Error {
    PlannedError(int i) {
      super("planned error for record " + i, null, false, false);
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @Timeout(120)
  void errorsFromEncoderAndHandler_underAcknowledgedAppends_andClose_everyRecordAccounted(
      int seed) throws Exception {
    Random random = new Random(seed);
    for (int round = 0; round < 6; round++) {
      int errorEvery = 2 + random.nextInt(6);
      int overflowEvery = 3 + random.nextInt(9);
      boolean closeMidway = random.nextBoolean();
      String where = "round " + round + " error every " + errorEvery + " overflow every "
          + overflowEvery + " close midway " + closeMidway;
      List<Object> selfList = new ArrayList<>();
      selfList.add(selfList);
      JsonLinesWriter.Encoder<Object> jackson = JsonLinesWriter.jackson();
      AtomicInteger handlerCalls = new AtomicInteger();
      Path file = dir.resolve("r" + round + ".jsonl");
      JsonLinesWriter<Object> writer = JsonLinesWriter.<Object>toFile(file, (r, g) -> {
        if (r instanceof Integer i && i % errorEvery == 0) {
          throw new PlannedError(i);
        }
        jackson.encode(r, g);
      }).errorHandler((f, problem, cause) -> {
        handlerCalls.incrementAndGet();
        throw new PlannedError(-1);
      }).closeTimeout(Duration.ofSeconds(10)).build();
      int threads = 3;
      int per = 300;
      Map<Integer, CompletableFuture<Void>> acks = new ConcurrentHashMap<>();
      List<Throwable> unexpected = new CopyOnWriteArrayList<>();
      AtomicInteger appended = new AtomicInteger();
      CyclicBarrier start = new CyclicBarrier(threads + 1);
      List<Thread> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        all.add(new Thread(() -> {
          TestThreads.awaitBarrier(start);
          for (int k = 0; k < per; k++) {
            int i = id * per + k + 1;
            Object record = i % overflowEvery == 0 ? List.of(i, selfList) : i;
            try {
              acks.put(i, writer.appendAcknowledged(record));
              appended.incrementAndGet();
            } catch (IllegalStateException closed) {
              break;
            } catch (Throwable e) {
              unexpected.add(e);
              break;
            }
          }
        }, "adv-appender-" + t));
      }
      int closeAt = random.nextInt(threads * per);
      all.add(new Thread(() -> {
        TestThreads.awaitBarrier(start);
        if (closeMidway) {
          while (appended.get() < closeAt) {
            Thread.onSpinWait();
          }
          writer.close();
        }
      }, "adv-closer"));
      all.forEach(Thread::start);
      for (Thread t : all) {
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(t.isAlive()).as("%s: %s finished", where, t.getName()).isFalse();
      }
      SoftAssertions soft = new SoftAssertions();
      if (!closeMidway) {
        // The writer is still up after all those Errors: a record appended now is written.
        soft.assertThat(writer.appendAcknowledged(1_000_003).handle((v, e) -> e == null)
            .get(20, TimeUnit.SECONDS)).as("%s: a record after the Errors is written", where)
            .isTrue();
      }
      writer.close();
      Set<Integer> ok = new HashSet<>();
      Set<Integer> failed = new HashSet<>();
      for (Map.Entry<Integer, CompletableFuture<Void>> e : acks.entrySet()) {
        boolean written = e.getValue().handle((v, x) -> x == null).get(20, TimeUnit.SECONDS);
        (written ? ok : failed).add(e.getKey());
      }
      Set<Integer> inFile = new HashSet<>();
      int lines = 0;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        lines++;
        String number = line.startsWith("[") ? line.substring(1, line.indexOf(',')) : line;
        inFile.add(Integer.parseInt(number));
      }
      if (!closeMidway) {
        ok.add(1_000_003); // a prime: no Error planned for it
      }
      WriterStats stats = writer.stats();
      soft.assertThat(unexpected).as("%s: append threw", where).isEmpty();
      soft.assertThat(inFile).as("%s: the acknowledged records are the file's", where)
          .isEqualTo(ok);
      soft.assertThat(lines).as("%s: lines", where).isEqualTo(ok.size());
      for (int i : failed) {
        soft.assertThat(i % errorEvery == 0 || i % overflowEvery == 0 || closeMidway)
            .as("%s: record %d failed without a reason", where, i).isTrue();
      }
      for (int i : acks.keySet()) {
        if (i % errorEvery == 0 || i % overflowEvery == 0) {
          soft.assertThat(failed).as("%s: unencodable %d acknowledged", where, i).contains(i);
        }
      }
      soft.assertThat(stats.appended()).as("%s: appended", where).isEqualTo(acks.size()
          + (closeMidway ? 0 : 1));
      soft.assertThat(stats.written()).as("%s: written", where).isEqualTo(ok.size());
      soft.assertThat(stats.unencodable() + stats.unwritten())
          .as("%s: unencodable + unwritten (%s)", where, stats).isEqualTo(failed.size());
      soft.assertThat(stats.pending()).as("%s: pending", where).isZero();
      soft.assertThat(handlerCalls.get()).as("%s: the handler heard of the failures", where)
          .isPositive();
      soft.assertAll();
    }
  }

}
