package io.github.eventbus.webhooks;

import io.github.eventbus.internal.TrackedThreads;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads a {@link WebhookClient} creates, and so stops: two daemon threads
 * {@code webhook-client-<n>} that run the JDK HTTP client (which follows no redirect), and one
 * {@code webhook-client-timer} for request deadlines and, unless a scheduler is given, retries;
 * and the {@link HostLookups} threads {@code webhook-client-dns-<n>}, made as needed. On Java
 * 21 and later {@link #shutdownNow()} also stops the JDK client's selector thread; on Java 17
 * that thread ends when the client is garbage-collected.
 */
final class ClientThreads {

  private static final Logger log = LoggerFactory.getLogger(WebhookClient.class);

  private final ExecutorService httpThreads;
  private final HttpClient http;
  private final ScheduledExecutorService timer;
  private final HostLookups lookups;
  private final TrackedThreads httpThreadFactory = TrackedThreads.named("webhook-client-");
  private final TrackedThreads timerThreadFactory = TrackedThreads.of(r -> {
    Thread t = new Thread(r, "webhook-client-timer");
    t.setDaemon(true);
    return t;
  });

  ClientThreads(Duration connectTimeout, HostLookups.Resolver resolver) {
    this.lookups = new HostLookups(resolver);
    this.httpThreads = Executors.newFixedThreadPool(2, httpThreadFactory);
    this.http = HttpClient.newBuilder().connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER).executor(httpThreads).build();
    ScheduledThreadPoolExecutor timerPool = new ScheduledThreadPoolExecutor(1, timerThreadFactory);
    timerPool.setRemoveOnCancelPolicy(true);
    this.timer = timerPool;
  }

  /** The HTTP threads: where work hops to rather than nest. */
  ExecutorService httpThreads() {
    return httpThreads;
  }

  /** The JDK client, running on the HTTP threads. */
  HttpClient http() {
    return http;
  }

  /** The host name lookups, on threads of their own. */
  HostLookups lookups() {
    return lookups;
  }

  /** The timer thread. */
  ScheduledExecutorService timer() {
    return timer;
  }

  /**
   * Stops the timer, the HTTP threads, the lookups and, where the JDK allows, the client's
   * selector, and waits (a second for each kind at most) until the threads have ended, so that
   * none outlives the client's close() (but a lookup stuck in the system resolver). An interrupt
   * does not cut the wait short; it is kept for the caller.
   */
  void shutdownNow() {
    timer.shutdownNow();
    httpThreads.shutdownNow();
    lookups.shutdownNow();
    shutDownJdkClient();
    timerThreadFactory.awaitExitUninterruptibly(1, TimeUnit.SECONDS);
    httpThreadFactory.awaitExitUninterruptibly(1, TimeUnit.SECONDS);
  }

  /** Java 21 and later can stop the JDK client's selector thread; Java 17 leaves it to the GC. */
  private void shutDownJdkClient() {
    try {
      HttpClient.class.getMethod("shutdownNow").invoke(http);
    } catch (NoSuchMethodException java17) {
      // nothing to do: the selector thread ends when the client is unreachable
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("Could not shut down the JDK HTTP client", e);
    }
  }
}
