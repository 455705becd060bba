package io.github.eventbus.webhooks.outside;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP endpoint on 127.0.0.1 (ephemeral port) for the outside-in tests: it answers each
 * request with the next scripted status (the last one repeats), optionally holding every request
 * until the test releases it, and records how many requests were in progress at once.
 */
final class HoldingEndpoint implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Queue<Integer> statuses = new ConcurrentLinkedQueue<>();
  private final int lastStatus;
  private final boolean hold;
  private final Semaphore releases = new Semaphore(0);
  private final AtomicInteger active = new AtomicInteger();
  final AtomicInteger arrived = new AtomicInteger();
  final AtomicInteger maxActive = new AtomicInteger();

  private HoldingEndpoint(boolean hold, int... statuses) throws IOException {
    this.hold = hold;
    for (int s : statuses) {
      this.statuses.add(s);
    }
    this.lastStatus = statuses[statuses.length - 1];
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(threads);
    server.createContext("/", this::answer);
    server.start();
  }

  /** Answers the statuses in turn, at once. */
  static HoldingEndpoint answering(int... statuses) throws IOException {
    return new HoldingEndpoint(false, statuses);
  }

  /** Answers {@code status} to each request once the test {@linkplain #release releases} it. */
  static HoldingEndpoint holding(int status) throws IOException {
    return new HoldingEndpoint(true, status);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  /** Lets one held request be answered. */
  void release(int count) {
    releases.release(count);
  }

  /** Waits until at least {@code count} requests have arrived. */
  boolean awaitArrived(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    synchronized (arrived) {
      while (arrived.get() < count) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        arrived.wait(left);
      }
    }
    return true;
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange; InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
      maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
      synchronized (arrived) {
        arrived.incrementAndGet();
        arrived.notifyAll();
      }
      try {
        if (hold && !releases.tryAcquire(30, TimeUnit.SECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        active.decrementAndGet();
      }
      Integer next = statuses.poll();
      exchange.sendResponseHeaders(next != null ? next : lastStatus, -1);
    }
  }

  @Override
  public void close() {
    releases.release(10_000);
    server.stop(0);
    threads.shutdownNow();
  }
}
