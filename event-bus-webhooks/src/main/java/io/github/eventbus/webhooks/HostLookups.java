package io.github.eventbus.webhooks;

import com.google.common.net.InetAddresses;
import io.github.eventbus.internal.TrackedThreads;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Looks up endpoint host names on threads of the client's own before an attempt hands its request
 * to the JDK client, which would otherwise look them up on the two HTTP threads every endpoint
 * shares: a host whose DNS stalls then holds one of these threads, and the attempt's request
 * timeout, which covers the lookup, ends the attempt. The JDK client finds the addresses in the
 * JVM's address cache afterwards ({@code networkaddress.cache.ttl}, 30 seconds by default; with
 * 0 it looks them up again itself).
 *
 * <p>Up to four daemon threads {@code webhook-client-dns-<n>}, made when needed and ended after
 * 30 seconds idle; attempts to a host being looked up share its lookup, so a stalled host holds
 * one thread, and four stalled at once delay the others' lookups. An address literal is not
 * looked up. A thread stuck in the system resolver cannot be interrupted and may outlive
 * {@link #shutdownNow()}.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
final class HostLookups {

  /** Looks up a host's addresses; the system resolver by default. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private static final int THREADS = 4;

  private final Resolver resolver;
  private final TrackedThreads threads = TrackedThreads.named("webhook-client-dns-");
  private final ThreadPoolExecutor pool;
  private final ConcurrentMap<String, CompletableFuture<InetAddress[]>> running =
      new ConcurrentHashMap<>();

  HostLookups(Resolver resolver) {
    this.resolver = resolver != null ? resolver : InetAddress::getAllByName;
    this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), threads);
    pool.allowCoreThreadTimeOut(true);
  }

  /**
   * The addresses of a URL's host (as {@link java.net.URI#getHost()} gives it), completed on a
   * lookup thread: exceptionally with {@link UnknownHostException} if it does not resolve, or
   * {@link RejectedExecutionException} once shut down. An address literal completes at once.
   */
  CompletableFuture<InetAddress[]> lookUp(String host) {
    if (InetAddresses.isUriInetAddress(host)) {
      return CompletableFuture.completedFuture(
          new InetAddress[] {InetAddresses.forUriString(host)});
    }
    CompletableFuture<InetAddress[]> mine = new CompletableFuture<>();
    CompletableFuture<InetAddress[]> shared = running.putIfAbsent(host, mine);
    if (shared != null) {
      return shared;
    }
    try {
      pool.execute(() -> resolve(host, mine));
    } catch (RejectedExecutionException closed) {
      running.remove(host, mine);
      mine.completeExceptionally(closed);
    }
    return mine;
  }

  private void resolve(String host, CompletableFuture<InetAddress[]> result) {
    try {
      InetAddress[] addresses = resolver.resolve(host);
      running.remove(host, result); // before completing: a later attempt asks again
      result.complete(addresses);
    } catch (UnknownHostException | RuntimeException e) {
      running.remove(host, result);
      result.completeExceptionally(e);
    } catch (Error e) { // the attempts waiting on it end with it, and the thread with it
      running.remove(host, result);
      result.completeExceptionally(e);
      throw e;
    }
  }

  /** Stops the lookup threads, waiting a second at most for them to end. */
  void shutdownNow() {
    pool.shutdownNow();
    for (CompletableFuture<InetAddress[]> waiting : running.values()) {
      waiting.completeExceptionally(new RejectedExecutionException("the webhook client closed"));
    }
    threads.awaitExitUninterruptibly(1, TimeUnit.SECONDS);
  }
}
