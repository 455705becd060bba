package io.github.eventbus.webhooks;

import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * The receiver's HTTP/1.1 server on plain blocking sockets: one accepting thread
 * ({@code webhook-receiver-accept}), one pooled thread per open connection
 * ({@code webhook-receiver-<n>}), at most {@code maxConnections} of them, and one thread
 * ({@code webhook-receiver-reaper}) that closes connections whose answer cannot be written in
 * time. A connection over the limit first takes the place of a connection that was refused and
 * only discards what its client still sends, or else of the connection idle longest (between
 * kept-alive requests, or silent since it connected), if there is one; otherwise it is answered
 * 503 with {@code Retry-After} and closed {@value #REFUSED_LINGER_MILLIS} ms later, once what it
 * sent meanwhile is read and dropped (so that its client reads the 503, not a reset). So stalled
 * clients can hold at most their own connections, each for at most its deadlines, and idle,
 * silent or rejected ones cannot lock new senders out. A connection no thread can be made for
 * (the OS's limit) is answered 503 too, with a rate-limited WARN, and accepting goes on.
 * Thread-safe.
 */
final class ReceiverServer implements AutoCloseable {

  /** How long closing waits for answers being written: the bus has taken or refused them. */
  static final long ANSWER_GRACE_MILLIS = 2_000;

  /** How long a refused connection stays open after its 503, for its request to arrive. */
  static final long REFUSED_LINGER_MILLIS = 250;

  /** How many refused connections may wait for their close at once. */
  static final int MAX_REFUSED_OPEN = 256;

  private final ServerSocket listener;
  private final HttpLimits limits;
  private final HttpConnection.Handler handler;
  private final Semaphore permits;
  private final Set<HttpConnection> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> refused = ConcurrentHashMap.newKeySet(); // answered 503, closing
  private final ExecutorService connections;
  private final ScheduledExecutorService reaper;
  private final Thread acceptor;
  private final byte[] busy;
  private final RateLimitedLog noThread;
  private volatile boolean closed;

  ReceiverServer(InetSocketAddress address, HttpLimits limits, HttpConnection.Handler handler,
      ReceiverResponse busyResponse, Clock clock) {
    this(address, limits, handler, busyResponse, clock, null);
  }

  /**
   * @param connectionThreads makes the connections' threads; null for the named daemon default
   */
  ReceiverServer(InetSocketAddress address, HttpLimits limits, HttpConnection.Handler handler,
      ReceiverResponse busyResponse, Clock clock, ThreadFactory connectionThreads) {
    this.limits = limits;
    this.noThread = new RateLimitedLog(LoggerFactory.getLogger(WebhookReceiver.class), clock,
        RateLimitedLog.INTERVAL);
    this.handler = handler;
    this.permits = new Semaphore(limits.maxConnections());
    this.busy = ResponseWriter.bytes(busyResponse, true);
    listener = listen(address);
    AtomicInteger count = new AtomicInteger();
    ExecutorService pool = null;
    ScheduledExecutorService timer = null;
    try {
      pool = Executors.newCachedThreadPool(connectionThreads != null ? connectionThreads
          : r -> daemon(r, "webhook-receiver-" + count.incrementAndGet()));
      connections = pool;
      timer = Executors.newSingleThreadScheduledExecutor(
          r -> daemon(r, "webhook-receiver-reaper"));
      reaper = timer;
      long period = Math.max(10, Math.min(250, Settings.millis(limits.writeTimeout()) / 4));
      timer.scheduleAtFixedRate(this::reap, period, period, TimeUnit.MILLISECONDS);
      acceptor = daemon(this::acceptLoop, "webhook-receiver-accept");
      acceptor.start();
    } catch (RuntimeException | Error e) {
      // No thread to be had (the OS's limit): release the port and what was started.
      if (timer != null) {
        timer.shutdownNow();
      }
      if (pool != null) {
        pool.shutdownNow();
      }
      try {
        listener.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static ServerSocket listen(InetSocketAddress address) {
    ServerSocket socket = null;
    try {
      socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(address, 128);
      return socket;
    } catch (IOException e) {
      UncheckedIOException failure = new UncheckedIOException("cannot listen on " + address, e);
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException suppressed) {
          failure.addSuppressed(suppressed);
        }
      }
      throw failure;
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  int openConnections() {
    return open.size();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        // A connection that failed while being accepted, or no file descriptor left: pause
        // briefly rather than spin, and keep serving the connections already open.
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        continue;
      }
      if (!permits.tryAcquire() && !(evictLongestIdle() && awaitPermit())) {
        refuse(socket, "every connection is in use");
        continue;
      }
      HttpConnection connection = new HttpConnection(socket, limits, handler);
      open.add(connection);
      try {
        connections.execute(() -> {
          try {
            connection.run();
          } finally {
            open.remove(connection);
            permits.release();
          }
        });
      } catch (RuntimeException | Error noThreadForIt) {
        // Refused because closing, or no thread could be made (the OS's limit, out of memory):
        // the loop goes on serving, and the user hears of it once per interval.
        open.remove(connection);
        permits.release();
        if (closed) {
          connection.close();
        } else {
          noThread.warn("thread", "the webhook receiver could not start a thread to serve a"
              + " connection; answered 503: {}", noThreadForIt.toString());
          refuse(socket, "no thread to serve the connection");
        }
      }
    }
  }

  /**
   * Closes a connection that was answered and only discards what its client still sends (a
   * rejected one), or else the connection idle longest; false if there is neither.
   */
  private boolean evictLongestIdle() {
    for (HttpConnection c : open) {
      if (c.evictIfLingering()) {
        return true;
      }
    }
    List<Map.Entry<HttpConnection, Long>> idle = new ArrayList<>();
    for (HttpConnection c : open) {
      if (c.idle()) {
        idle.add(Map.entry(c, c.idleSince())); // read once: it changes as connections go on
      }
    }
    // Longest idle first; one that turns out busy (a request begun meanwhile) is passed over.
    idle.sort(Comparator.comparing(Map.Entry::getValue, (x, y) -> Long.signum(x - y)));
    for (Map.Entry<HttpConnection, Long> c : idle) {
      if (c.getKey().evictIfIdle()) {
        return true;
      }
    }
    return false;
  }

  /** Waits, briefly, for an evicted connection's thread to end and give its permit back. */
  private boolean awaitPermit() {
    try {
      return permits.tryAcquire(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Answers 503 on a connection over the limit (the answer fits the socket's empty buffer) and
   * closes it a moment later. Closed at once, with the request the client sends meanwhile
   * unread, the socket would answer that request with a reset, and an HTTP client would report
   * a network error instead of the 503 and its {@code Retry-After}.
   */
  private void refuse(Socket socket, String reason) {
    handler.refuse(503, reason, String.valueOf(socket.getRemoteSocketAddress()));
    try {
      OutputStream out = socket.getOutputStream();
      out.write(busy);
      out.flush();
      socket.shutdownOutput();
    } catch (IOException gone) {
      closeQuietly(socket);
      return;
    }
    // Bounded (a flood of connections must not hold a socket each): beyond, a reset is the
    // lesser harm.
    if (refused.size() >= MAX_REFUSED_OPEN || !refused.add(socket)) {
      closeQuietly(socket);
      return;
    }
    try {
      reaper.schedule(() -> discardAndClose(socket), REFUSED_LINGER_MILLIS,
          TimeUnit.MILLISECONDS);
    } catch (RuntimeException closing) {
      refused.remove(socket);
      closeQuietly(socket);
    }
  }

  /** Reads and drops what a refused client sent (without waiting for more), then closes. */
  private void discardAndClose(Socket socket) {
    try {
      InputStream in = socket.getInputStream();
      long left = limits.maxDiscardBytes();
      for (int ready = in.available(); ready > 0 && left > 0; ready = in.available()) {
        left -= in.skip(Math.min(ready, left));
      }
    } catch (IOException gone) {
      // closing anyway
    } finally {
      refused.remove(socket);
      closeQuietly(socket);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  private void reap() {
    long now = System.nanoTime();
    for (HttpConnection c : open) {
      c.closeIfWriteStalled(now);
    }
  }

  /**
   * Stops accepting and closes the connections that are idle or still sending a request; those
   * answering one finish their answer and then close (see {@link #close()}). Idempotent.
   */
  void stopAccepting() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    try {
      acceptor.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (HttpConnection c : open) { // after the acceptor ended: no connection is added later
      c.closeAfterAnswer();
    }
    connections.shutdown();
  }

  /**
   * Stops accepting, waits at most {@link #ANSWER_GRACE_MILLIS} for the answers being written,
   * then closes every connection and stops the threads. Idempotent.
   */
  @Override
  public void close() {
    close(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_GRACE_MILLIS));
  }

  /** As {@link #close()}, waiting for answers until {@code deadline}, in nanoTime. */
  void close(long deadline) {
    stopAccepting();
    try {
      connections.awaitTermination(Math.max(0, deadline - System.nanoTime()),
          TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (HttpConnection c : open) {
      c.close();
    }
    connections.shutdownNow();
    reaper.shutdownNow();
    for (Socket s : refused) {
      refused.remove(s);
      closeQuietly(s);
    }
  }
}
