package io.github.eventbus.webhooks;

import com.google.common.net.InetAddresses;
import io.github.eventbus.internal.LogText;
import io.github.eventbus.internal.TrackedThreads;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Looks up endpoint host names on threads of the client's own before an attempt hands its request
 * to the JDK client, which would otherwise look them up on the two HTTP threads every endpoint
 * shares: a host whose DNS stalls then holds one of these threads, and the attempt's request
 * timeout, which covers the lookup, ends the attempt. The JDK client finds the addresses in the
 * JVM's address cache afterwards ({@code networkaddress.cache.ttl}, 30 seconds by default; with
 * 0 it looks them up again itself).
 *
 * <p>Up to four daemon threads {@code webhook-client-dns-<n>}, made when needed and ended after
 * 30 seconds idle; attempts to a host being looked up share its lookup (however the host's name
 * is cased, with or without a final dot), so a stalled host holds one thread, and four stalled
 * at once delay the others' lookups; a lookup still queued when its attempts have timed out is
 * not made. An address literal is not looked up. A thread stuck in the system resolver
 * cannot be interrupted and may outlive {@link #shutdownNow()}.
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
  /** The lookups under way, by host name in lower case without a final dot. */
  private final ConcurrentMap<String, Lookup> running = new ConcurrentHashMap<>();

  /** A lookup of a host as one attempt spelled it, wanted until the latest caller's deadline. */
  private record Lookup(String spelling, CompletableFuture<InetAddress[]> result,
      AtomicLong wantedUntil) {}

  HostLookups(Resolver resolver) {
    this.resolver = resolver != null ? resolver : InetAddress::getAllByName;
    this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), threads);
    pool.allowCoreThreadTimeOut(true);
  }

  /**
   * The addresses of a URL's host (as {@link java.net.URI#getHost()} gives it), completed on a
   * lookup thread: exceptionally with {@link UnknownHostException} if it does not resolve (an
   * address literal whose zone names no interface here included), or
   * {@link RejectedExecutionException} once shut down. An address literal completes at once.
   * Never throws.
   *
   * @param wantedUntil the {@link System#nanoTime()} past which the caller no longer waits: a
   *     lookup still queued when every caller's time is past is not made (it fails with an
   *     {@link HttpTimeoutException})
   */
  CompletableFuture<InetAddress[]> lookUp(String host, long wantedUntil) {
    if (InetAddresses.isUriInetAddress(host)) {
      try {
        return CompletableFuture.completedFuture(
            new InetAddress[] {InetAddresses.forUriString(host)});
      } catch (IllegalArgumentException noSuchInterface) {
        UnknownHostException e = new UnknownHostException(LogText.escape(host) + ": "
            + LogText.escape(String.valueOf(noSuchInterface.getMessage())));
        return CompletableFuture.failedFuture(e);
      }
    }
    // DNS names are case-insensitive, and a final dot names the same host: one lookup for all
    // spellings, so that one stalled host holds one thread however it is written.
    String key = host.toLowerCase(Locale.ROOT);
    key = key.endsWith(".") ? key.substring(0, key.length() - 1) : key;
    Lookup mine = new Lookup(host, new CompletableFuture<>(), new AtomicLong(wantedUntil));
    // Joined and extended in one step, so that a lookup is never dropped as unwanted (see
    // resolve) once an attempt still waiting has joined it.
    Lookup shared = running.compute(key, (k, current) -> {
      if (current == null) {
        return mine;
      }
      current.wantedUntil().accumulateAndGet(wantedUntil, (a, b) -> b - a > 0 ? b : a);
      return current;
    });
    if (shared == mine) {
      start(key, mine);
      return mine.result();
    }
    if (shared.spelling().equals(host)) {
      return shared.result();
    }
    // Then this spelling too (the JDK client looks the host up as written, and finds it in the
    // JVM's cache only under that spelling): a full query unless the system caches answers, but
    // one made once the host has answered.
    return shared.result().thenCompose(done -> lookUp(host, wantedUntil));
  }

  private void start(String key, Lookup lookup) {
    try {
      pool.execute(() -> resolve(key, lookup));
    } catch (RejectedExecutionException closed) {
      running.remove(key, lookup);
      lookup.result().completeExceptionally(closed);
    }
  }

  private void resolve(String key, Lookup lookup) {
    CompletableFuture<InetAddress[]> result = lookup.result();
    AtomicBoolean unwanted = new AtomicBoolean();
    running.computeIfPresent(key, (k, current) -> {
      if (current == lookup && System.nanoTime() - lookup.wantedUntil().get() > 0) {
        unwanted.set(true);
        return null;
      }
      return current;
    });
    if (unwanted.get()) {
      // Queued behind stalled lookups until its attempts had timed out: made now, it would
      // only hold a thread from lookups still wanted.
      result.completeExceptionally(new HttpTimeoutException(
          "the host name lookup did not start before its attempts' deadline"));
      return;
    }
    try {
      InetAddress[] addresses = resolver.resolve(lookup.spelling());
      running.remove(key, lookup); // before completing: a later attempt asks again
      result.complete(addresses);
    } catch (UnknownHostException | RuntimeException e) {
      running.remove(key, lookup);
      result.completeExceptionally(e);
    } catch (Error e) { // the attempts waiting on it end with it, and the thread with it
      running.remove(key, lookup);
      result.completeExceptionally(e);
      throw e;
    }
  }

  /** Stops the lookup threads, waiting a second at most for them to end. */
  void shutdownNow() {
    pool.shutdownNow();
    for (Lookup waiting : running.values()) {
      waiting.result().completeExceptionally(
          new RejectedExecutionException("the webhook client closed"));
    }
    threads.awaitExitUninterruptibly(1, TimeUnit.SECONDS);
  }
}
