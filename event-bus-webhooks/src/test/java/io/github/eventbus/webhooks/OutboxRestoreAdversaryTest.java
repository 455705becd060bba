package io.github.eventbus.webhooks;

import static io.github.eventbus.TestFiles.deleteTree;
import static io.github.eventbus.TestFiles.replaceWithFile;
import static io.github.eventbus.webhooks.OutboxProbes.entry;
import static io.github.eventbus.webhooks.OutboxProbes.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.jsonl.WriterStats;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The outbox's restore of its live deliveries into a file deleted under a running client,
 * attacked: deletions racing many appending threads, a deletion before the writer's first write,
 * a client closed with abandoned deliveries after its outbox went, a directory replaced by a file
 * at close, a blocked attempt log at close, a throwing write-error handler, stats after close.
 */
class OutboxRestoreAdversaryTest {

  @TempDir Path dir;

  private static WebhookMessage message(String id) {
    return WebhookMessage.stored(id, "t", ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  /** A TCP endpoint on 127.0.0.1 that accepts connections and never answers. */
  private static final class SilentEndpoint implements AutoCloseable {
    final ServerSocket server;
    final List<Socket> held = new CopyOnWriteArrayList<>();
    final Thread acceptor;

    SilentEndpoint() throws IOException {
      server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
      acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(server.accept());
          }
        } catch (IOException closed) {
          // the test closed the server
        }
      }, "silent-endpoint");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    URI uri(String path) {
      return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : held) {
        s.close();
      }
    }
  }

  /** Counts durable acceptances. */
  private static final class Accepted implements DeliveryListener {
    final CountDownLatch latch;

    Accepted(int count) {
      latch = new CountDownLatch(count);
    }

    @Override
    public void accepted(WebhookMessage message, URI endpoint) {
      latch.countDown();
    }

    void await() throws InterruptedException {
      assertThat(latch.await(20, TimeUnit.SECONDS)).as("deliveries accepted durably").isTrue();
    }
  }

  private static WebhookClient.Builder holdingClient(Path outbox) {
    return WebhookClient.builder().secret("s3cret").outbox(outbox)
        .retry(RetryPolicy.none())
        .timeouts(Duration.ofSeconds(5), Duration.ofMinutes(5))
        .drainTimeout(Duration.ofMillis(200));
  }

  // ---- the outbox itself ----

  @ParameterizedTest
  @ValueSource(strings = {"file", "directory"})
  void reopenedOutbox_deletedBeforeItsFirstWrite_restartStillResumesTheOldDeliveries(String what)
      throws Exception {
    Path outboxDir = dir.resolve("webhooks");
    Path file = outboxDir.resolve("outbox.jsonl");
    try (Outbox first = new Outbox(file, null)) {
      first.pending(entry("e1")).get(20, TimeUnit.SECONDS);
      first.pending(entry("e2")).get(20, TimeUnit.SECONDS);
    }
    try (Outbox second = new Outbox(file, null)) {
      assertThat(ids(second.pending())).containsExactly("e1", "e2");
      if (what.equals("file")) {
        Files.delete(file);
      } else {
        deleteTree(outboxDir);
      }
      second.pending(entry("e3")).get(20, TimeUnit.SECONDS);
      assertThat(ids(second.pending())).containsExactly("e1", "e2", "e3");
    }
    try (Outbox third = new Outbox(file, null)) {
      assertThat(ids(third.pending())).containsExactlyInAnyOrder("e1", "e2", "e3");
    }
  }

  /**
   * Many threads accept, finish and fail deliveries while another deletes the file (or its
   * directory) again and again; after close and a restart the outbox holds exactly what the
   * client held: no pending delivery lost, no finished one resurrected.
   */
  @ParameterizedTest
  @ValueSource(longs = {1L, 42L, 1234L})
  void deletedRepeatedly_whileThreadsAppend_restartHoldsExactlyTheLiveSet(long seed)
      throws Exception {
    Path outboxDir = dir.resolve("webhooks-" + seed);
    Path file = outboxDir.resolve("outbox.jsonl");
    int threads = 6;
    int perThread = 150;
    List<String> expectedPending;
    List<String> expectedDead;
    try (Outbox outbox = new Outbox(file, null)) {
      AtomicBoolean stop = new AtomicBoolean();
      Random deleterRandom = new Random(seed);
      java.util.concurrent.atomic.AtomicInteger deletions = new java.util.concurrent.atomic.AtomicInteger();
      Thread deleter = new Thread(() -> {
        while (!stop.get()) {
          long writtenBefore = outbox.stats().written();
          try {
            if (deleterRandom.nextInt(4) == 0) {
              deleteTree(outboxDir);
            } else {
              Files.deleteIfExists(file);
            }
            deletions.incrementAndGet();
          } catch (NoSuchFileException | java.nio.file.DirectoryNotEmptyException
              | java.io.UncheckedIOException raced) {
            // the writer re-created it meanwhile
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
          // Deletes again only once the writer has written a batch since: an adversary, not a
          // livelock (a file deleted faster than it can be written can never hold a record).
          while (!stop.get() && outbox.stats().written() == writtenBefore) {
            Thread.onSpinWait();
          }
        }
      }, "deleter");
      List<Thread> workers = new ArrayList<>();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Random random = new Random(seed * 31 + t);
        workers.add(new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < perThread; i++) {
              Outbox.Entry e = entry("t" + thread + "-" + i);
              var durable = outbox.pending(e);
              OutboxProbes.endRandomly(outbox, e, random);
              if (i % 3 == 0) {
                durable.get(20, TimeUnit.SECONDS);
              }
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }, "worker-" + t));
      }
      workers.forEach(Thread::start);
      deleter.start();
      go.countDown();
      for (Thread w : workers) {
        w.join(TimeUnit.SECONDS.toMillis(20));
      }
      stop.set(true);
      deleter.join(TimeUnit.SECONDS.toMillis(20));
      assertThat(failures).isEmpty();
      assertThat(deletions.get()).as("the file was deleted under the writers").isPositive();
      expectedPending = ids(outbox.pending());
      expectedDead = ids(outbox.dead());
    }
    try (Outbox restarted = new Outbox(file, null)) {
      assertThat(ids(restarted.pending())).containsExactlyInAnyOrderElementsOf(expectedPending);
      assertThat(ids(restarted.dead())).containsExactlyInAnyOrderElementsOf(expectedDead);
    }
  }

  // ---- through the client ----

  @Test
  void outboxDirectoryDeleted_thenClientClosedWithAbandonedDeliveries_nextClientResumesThem()
      throws Exception {
    Path outboxDir = dir.resolve("box");
    Path file = outboxDir.resolve("outbox.jsonl");
    try (SilentEndpoint endpoint = new SilentEndpoint()) {
      Accepted accepted = new Accepted(3);
      try (WebhookClient client = holdingClient(file).listener(accepted).build()) {
        for (int i = 1; i <= 3; i++) {
          client.send(endpoint.uri("/h"), message("m" + i));
        }
        accepted.await();
        deleteTree(outboxDir);
      }
      try (WebhookClient next = holdingClient(file).build()) {
        assertThat(next.resumed()).hasSize(3);
      }
    }
  }

  @Test
  void resumedDeliveries_outboxDeletedThenANewSend_nextClientResumesAll() throws Exception {
    Path file = dir.resolve("box").resolve("outbox.jsonl");
    try (SilentEndpoint endpoint = new SilentEndpoint()) {
      Accepted accepted = new Accepted(3);
      try (WebhookClient client = holdingClient(file).listener(accepted).build()) {
        for (int i = 1; i <= 3; i++) {
          client.send(endpoint.uri("/h"), message("m" + i));
        }
        accepted.await();
      }
      Accepted fourth = new Accepted(1);
      try (WebhookClient second = holdingClient(file).listener(fourth).build()) {
        assertThat(second.resumed()).hasSize(3);
        Files.delete(file);
        second.send(endpoint.uri("/h"), message("m4"));
        fourth.await();
      }
      try (WebhookClient third = holdingClient(file).build()) {
        assertThat(third.resumed()).as("m1..m3 abandoned twice, m4 once").hasSize(4);
      }
    }
  }

  @Test
  void outboxDirectoryReplacedByAFile_atClose_failureIsCountedAndReported() throws Exception {
    Path outboxDir = dir.resolve("box");
    Path file = outboxDir.resolve("outbox.jsonl");
    List<Path> told = new CopyOnWriteArrayList<>();
    try (SilentEndpoint endpoint = new SilentEndpoint()) {
      Accepted accepted = new Accepted(2);
      WebhookClient client = holdingClient(file).listener(accepted)
          .writeErrorHandler((f, problem, cause) -> told.add(f)).build();
      client.send(endpoint.uri("/h"), message("m1"));
      client.send(endpoint.uri("/h"), message("m2"));
      accepted.await();
      replaceWithFile(outboxDir, "in the way");
      assertTimeoutPreemptively(Duration.ofSeconds(20), client::close);
      WriterStats stats = client.outboxStats().orElseThrow();
      assertThat(told).as("the outbox's loss is told to the handler").anyMatch(f -> f.startsWith(outboxDir));
      assertThat(stats.failedWrites() + stats.unwritten()).as("and counted: %s", stats).isPositive();
    }
  }

  @Test
  void attemptLogBlockedForever_closeIsBounded_unwrittenCountedAndReported() throws Exception {
    Path logDir = dir.resolve("attempts");
    List<Path> told = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    server.start();
    try {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ok");
      WebhookClient client = WebhookClient.builder().secret("s3cret").retry(RetryPolicy.none())
          .attemptLog(logDir.resolve("attempts.jsonl"))
          .writeErrorHandler((f, problem, cause) -> told.add(f)).build();
      Files.writeString(logDir, "in the way", StandardCharsets.UTF_8);
      WebhookDelivery d = client.send(uri, message("a1")).get(20, TimeUnit.SECONDS);
      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      // Bounded by the log's close timeout; a hang would fail here, not hang the build.
      assertTimeoutPreemptively(Duration.ofSeconds(20), client::close);
      WriterStats stats = client.attemptLogStats().orElseThrow();
      assertThat(stats.unwritten()).as("%s", stats).isEqualTo(1);
      assertThat(stats.failedWrites()).isPositive();
      assertThat(stats.pending()).isZero();
      assertThat(told).isNotEmpty().allMatch(f -> f.startsWith(logDir));
      assertThat(client.outboxStats()).isEmpty();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void throwingWriteErrorHandler_isIsolated_theLogCatchesUpOnceClear() throws Exception {
    Path logDir = dir.resolve("attempts");
    CountDownLatch calls = new CountDownLatch(2);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    server.start();
    try (WebhookClient client = WebhookClient.builder().secret("s3cret").retry(RetryPolicy.none())
        .attemptLog(logDir.resolve("attempts.jsonl"))
        .writeErrorHandler((f, problem, cause) -> {
          calls.countDown();
          throw new IllegalStateException("handler bug");
        }).build()) {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ok");
      Files.writeString(logDir, "in the way", StandardCharsets.UTF_8);
      client.send(uri, message("a1")).get(20, TimeUnit.SECONDS);
      assertThat(calls.await(20, TimeUnit.SECONDS)).as("told at each retry despite throwing").isTrue();
      Files.delete(logDir);
      client.flushLog();
      assertThat(Files.readAllLines(logDir.resolve("attempts.jsonl"))).singleElement()
          .satisfies(l -> assertThat(l).contains("\"a1\""));
      WriterStats stats = client.attemptLogStats().orElseThrow();
      assertThat(stats.failedWrites()).isGreaterThanOrEqualTo(2);
      assertThat(stats.written()).isEqualTo(1);
      assertThat(stats.pending()).isZero();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void statsAfterClose_areTheFinalCounts_andDoNotThrow() throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    try (SilentEndpoint endpoint = new SilentEndpoint()) {
      Accepted accepted = new Accepted(2);
      WebhookClient client = holdingClient(file).attemptLog(dir.resolve("a.jsonl"))
          .listener(accepted).build();
      client.send(endpoint.uri("/h"), message("s1"));
      client.send(endpoint.uri("/h"), message("s2"));
      accepted.await();
      client.close();
      client.close();
      WriterStats outbox = client.outboxStats().orElseThrow();
      assertThat(outbox.appended()).isEqualTo(2);
      assertThat(outbox.written()).isEqualTo(2);
      assertThat(outbox.pending()).isZero();
      assertThat(outbox.unwritten()).isZero();
      assertThat(client.attemptLogStats()).hasValueSatisfying(s -> {
        assertThat(s.pending()).isZero();
        assertThat(s.unwritten()).isZero();
      });
    }
  }
}
