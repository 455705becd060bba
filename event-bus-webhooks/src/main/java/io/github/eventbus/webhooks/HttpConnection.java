package io.github.eventbus.webhooks;

import io.github.eventbus.internal.Settings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the requests of one connection, one after the other (keep-alive and pipelining), on one
 * thread of the server's pool. Headers and body are read under their deadlines; a client that
 * misses one gets a 408 (if it had begun a request) and is disconnected. After a 413 or a
 * framing error the answer is sent with {@code Connection: close}, the sending side is shut, and
 * at most a bounded number of further bytes are read and discarded before closing, so that the
 * client reads the answer instead of a TCP reset. Any other 4xx is also answered with
 * {@code Connection: close}, so a rejected client holds no connection afterwards: while its
 * connection discards, the server may {@linkplain #evictIfLingering close it} at once to make
 * room for a new one.
 *
 * <p>Between requests a kept-alive connection is idle, and so is a new connection from when its
 * thread begins until the first byte of its request (for at most the header timeout, counted
 * from then; then it is closed, without a 408, having begun no request). Line ends before a
 * request leave it idle (a bare CR does not: it is answered 400). The server may
 * {@linkplain #evictIfIdle evict} it then, once idle for {@link #EVICTABLE_AFTER_NANOS}, to make
 * room for a new connection, never while a request is being read or answered. When the server
 * closes, a connection idle or still reading a request is closed at once (no request of it was
 * taken), and one answering a request {@linkplain #closeAfterAnswer finishes the answer} and
 * then closes, so that a sender is told what became of every request the receiver took.
 */
final class HttpConnection implements Runnable {

  /** What the connection asks of the receiver. */
  interface Handler {
    /** Answers a well-framed request; counts and logs it. */
    ReceiverResponse serve(HttpRequest request, String remote);

    /** Answers a request the HTTP layer refused; counts it and logs it at DEBUG. */
    ReceiverResponse refuse(int status, String reason, String remote);
  }

  private final Socket socket;
  private final HttpLimits limits;
  private final Handler handler;
  private final Runnable requestBegun;
  private final String remote;
  private volatile long writeDeadline; // System.nanoTime(); 0 when not writing
  // READING until its thread first waits: a connection whose thread has not begun cannot be
  // evicted, since its input, shut then, would end a request that arrives meanwhile unanswered.
  private final AtomicInteger state = new AtomicInteger(READING);
  private volatile long idleSince; // System.nanoTime(), meaningful while IDLE

  /**
   * How long a connection must have been idle before it may be evicted: a new one's request
   * comes within moments of connecting, and one read just as the connection is evicted could
   * only be answered 503.
   */
  static final long EVICTABLE_AFTER_NANOS = 50_000_000;

  /** Reading a request, or a new connection whose thread has not begun. */
  private static final int READING = 0;
  /** Waiting for the first byte of a request: on a new connection, or between requests. */
  private static final int IDLE = 1;
  /** A request is read whole: serving and answering it. */
  private static final int ANSWERING = 2;
  /** Answering, and to close once the answer is written. */
  private static final int LAST_ANSWER = 3;
  /** Closed by the server. */
  private static final int CLOSED = 4;
  /** Answered with Connection: close, discarding what the client still sends; evictable. */
  private static final int LINGERING = 5;

  HttpConnection(Socket socket, HttpLimits limits, Handler handler) {
    this(socket, limits, handler, () -> { });
  }

  /**
   * With {@code requestBegun} run as a request's first byte has been read and before the
   * connection is marked busy: a seam for tests of a request that eviction races.
   */
  HttpConnection(Socket socket, HttpLimits limits, Handler handler, Runnable requestBegun) {
    this.socket = socket;
    this.limits = limits;
    this.handler = handler;
    this.requestBegun = requestBegun;
    this.remote = String.valueOf(socket.getRemoteSocketAddress());
  }

  @Override
  public void run() {
    try (socket) {
      socket.setTcpNoDelay(true);
      SocketInput in = new SocketInput(socket);
      RequestReader reader = new RequestReader(in, limits);
      OutputStream out = socket.getOutputStream();
      // A new connection waits for its first byte as idle: a client that connects and says
      // nothing may be evicted to make room, as a kept-alive one may. Its first byte and its
      // head share one header timeout; a later request's head has its own from its first byte.
      in.deadline(limits.headerTimeout());
      idleSince = System.nanoTime();
      if (!state.compareAndSet(READING, IDLE)) {
        return; // the server closed it before its thread began
      }
      boolean first = true;
      boolean open = true;
      while (open) {
        int next = awaitNextRequest(in);
        if (next == NO_REQUEST) {
          return; // the client closed or stayed idle, or the connection was evicted or closed
        }
        requestBegun.run();
        if (!state.compareAndSet(IDLE, READING)) {
          evictedAsItSpoke(out);
          return;
        }
        if (!first) {
          in.deadline(limits.headerTimeout());
        }
        first = false;
        open = switch (next) {
          case BARE_CR -> refuse(in, out, 400, "CR without LF", false);
          case TOO_MANY_LINE_ENDS ->
              refuse(in, out, 431, "the request line and header fields are too large", false);
          default -> serveOne(in, reader, out);
        };
        if (open) {
          in.deadline(limits.idleTimeout());
          idleSince = System.nanoTime();
          // A connection told to close after its answer ends here.
          if (!state.compareAndSet(ANSWERING, IDLE)) {
            return;
          }
        }
      }
    } catch (IOException closed) {
      // The client went away, or the receiver closed the socket: nothing left to answer.
    }
  }

  /** {@link #awaitNextRequest}: the client closed or stayed idle. */
  private static final int NO_REQUEST = 0;
  /** {@link #awaitNextRequest}: a request's first byte is ready. */
  private static final int REQUEST = 1;
  /** {@link #awaitNextRequest}: a CR not followed by LF, which RFC 9112 2.2 calls invalid. */
  private static final int BARE_CR = 2;
  /** {@link #awaitNextRequest}: more line ends than a request's head may hold. */
  private static final int TOO_MANY_LINE_ENDS = 3;

  /**
   * Waits for the first byte of the next request. Line ends (CRLF, or LF alone) before it leave
   * the connection idle: some clients end a body with one more CRLF (RFC 9112 2.2), which is no
   * request begun. A CR not followed by LF (even by the end of the stream) is a request begun,
   * refused, as are line ends past one header budget of bytes (431, as for a head too large).
   */
  private int awaitNextRequest(SocketInput in) throws IOException {
    try {
      for (int skipped = 0; in.ready(); ) {
        int next = in.peek();
        if (next != '\r' && next != '\n') {
          return REQUEST;
        }
        if (skipped >= limits.maxHeaderBytes()) {
          return TOO_MANY_LINE_ENDS;
        }
        in.read();
        skipped++;
        if (next == '\r') {
          if (in.peek() != '\n') {
            return BARE_CR;
          }
          in.read();
          skipped++;
        }
      }
      return NO_REQUEST;
    } catch (SocketTimeoutException idle) {
      return NO_REQUEST;
    }
  }

  /**
   * Answers a request the HTTP layer refused (broken framing, too large) with
   * {@code Connection: close}, and discards what its client still sends; returns false, the
   * connection ending.
   */
  private boolean refuse(SocketInput in, OutputStream out, int status, String reason,
      boolean headOnly) throws IOException {
    send(out, handler.refuse(status, reason, remote), true, headOnly);
    lingeringClose(in);
    return false;
  }

  /**
   * A request began just as the connection was evicted (its input shut) or the server closed
   * (its socket closed): the first is answered 503 to retry, the second needs nothing.
   */
  private void evictedAsItSpoke(OutputStream out) {
    if (!socket.isClosed()) {
      try {
        send(out, handler.refuse(503, "the connection was closed to make room", remote), true);
      } catch (IOException gone) {
        // the client went away
      }
    }
  }

  /** Serves one request; returns whether the connection stays open. */
  private boolean serveOne(SocketInput in, RequestReader reader, OutputStream out)
      throws IOException {
    RequestReader.Head head;
    boolean headRequest = false;
    try {
      head = reader.readHead();
      if (head == null) {
        return false;
      }
      // RFC 9110 9.3.2: the answer to HEAD has the head of the answer to GET, and no content.
      headRequest = head.method().equals("HEAD");
      if (!head.chunked() && head.contentLength() > limits.maxBodyBytes()) {
        throw new HttpError(413, "body larger than " + limits.maxBodyBytes() + " bytes");
      }
      String expect = head.first("expect");
      // RFC 9110 10.1.1: an HTTP/1.0 client knows no interim answer; its 100-continue is ignored.
      boolean ignored = !head.http11() && "100-continue".equalsIgnoreCase(expect);
      if (expect != null && !ignored) {
        if (!expect.equalsIgnoreCase("100-continue")) {
          throw new HttpError(400, "the only expectation served is 100-continue");
        }
        send(out, null, false);
      }
      in.deadline(limits.bodyTimeout());
      byte[] body = reader.readBody(head);
      if (!state.compareAndSet(READING, ANSWERING)) {
        return false; // closed by the server before the request was taken
      }
      boolean keepAlive = head.http11() && !closeRequested(head);
      ReceiverResponse response = handler.serve(
          new HttpRequest(head.method(), head.path(), head.headers(), body, keepAlive), remote);
      keepAlive &= state.get() == ANSWERING;
      if (response.status() >= 400 && response.status() < 500) {
        // A rejected client (unsigned, or broken) keeps no idle connection to fill the limit.
        send(out, response, true, headRequest);
        lingeringClose(in);
        return false;
      }
      send(out, response, !keepAlive, headRequest);
      return keepAlive;
    } catch (SocketTimeoutException slow) {
      send(out, handler.refuse(408, "the request was not received in time", remote), true,
          headRequest);
      return false;
    } catch (HttpError e) {
      return refuse(in, out, e.status(), e.getMessage(), headRequest);
    }
  }

  private static boolean closeRequested(RequestReader.Head head) {
    java.util.List<String> connection = head.headers().get("connection");
    if (connection == null) {
      return false;
    }
    for (String value : connection) {
      for (String token : value.split(",")) {
        if (token.strip().equalsIgnoreCase("close")) {
          return true;
        }
      }
    }
    return false;
  }

  private void send(OutputStream out, ReceiverResponse response, boolean close)
      throws IOException {
    send(out, response, close, false);
  }

  /**
   * Writes under the write deadline, which the server's reaper enforces by closing the socket;
   * without the body if {@code headOnly}.
   */
  private void send(OutputStream out, ReceiverResponse response, boolean close, boolean headOnly)
      throws IOException {
    writeDeadline = Math.max(1, System.nanoTime() + Settings.nanos(limits.writeTimeout()));
    try {
      if (response == null) {
        ResponseWriter.writeContinue(out);
      } else {
        ResponseWriter.write(out, response, close, headOnly);
      }
    } finally {
      writeDeadline = 0;
    }
  }

  private void lingeringClose(SocketInput in) {
    // A client that reads its answer and keeps the socket open holds the connection until the
    // discard ends; lingering, it is the first to make room (evictIfLingering).
    int now = state.get();
    if ((now != READING && now != ANSWERING) || !state.compareAndSet(now, LINGERING)) {
      return; // the server is closing it
    }
    try {
      socket.shutdownOutput();
      in.deadline(limits.headerTimeout().compareTo(Duration.ofSeconds(2)) < 0
          ? limits.headerTimeout() : Duration.ofSeconds(2));
      in.skip(limits.maxDiscardBytes());
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /**
   * Closes the connection if it was answered and is only discarding what its client still sends,
   * to make room for a new one.
   *
   * @return whether it was lingering and is now closed
   */
  boolean evictIfLingering() {
    if (state.get() != LINGERING || !state.compareAndSet(LINGERING, CLOSED)) {
      return false;
    }
    close();
    return true;
  }

  /** Tells whether the connection is idle between requests now. */
  boolean idle() {
    return state.get() == IDLE;
  }

  /** Since when the connection has been idle, in {@link System#nanoTime()}; if {@link #idle()}. */
  long idleSince() {
    return idleSince;
  }

  /**
   * Closes the connection if it has been idle for {@link #EVICTABLE_AFTER_NANOS} (no request
   * begun, none sent that its thread has not read yet), to make room for a new one.
   *
   * @return whether it was idle and is now closed
   */
  boolean evictIfIdle() {
    if (state.get() != IDLE || System.nanoTime() - idleSince < EVICTABLE_AFTER_NANOS
        || hasUnreadInput() || !state.compareAndSet(IDLE, CLOSED)) {
      return false;
    }
    // Shuts only the input: the thread's wait ends, and a request it read just now can still
    // be answered 503 instead of cut off.
    try {
      socket.shutdownInput();
    } catch (IOException e) {
      close();
    }
    return true;
  }

  /**
   * Whether bytes have arrived that the connection's thread has not read: a request begun, or
   * line ends before one, which its thread reads as idle once it runs.
   */
  private boolean hasUnreadInput() {
    try {
      return socket.getInputStream().available() > 0;
    } catch (IOException closed) {
      return false;
    }
  }

  /**
   * For the server's close: closes the connection now if no request of it is being answered;
   * otherwise lets the answer be written (with {@code Connection: close} unless it is already
   * being written) and the connection end after it.
   */
  void closeAfterAnswer() {
    while (true) {
      int now = state.get();
      if (now == ANSWERING) {
        if (state.compareAndSet(ANSWERING, LAST_ANSWER)) {
          return;
        }
      } else if (now == LAST_ANSWER || now == CLOSED) {
        return;
      } else if (state.compareAndSet(now, CLOSED)) {
        close();
        return;
      }
    }
  }

  /** Closes the socket if a write has taken longer than the write timeout; for the reaper. */
  void closeIfWriteStalled(long now) {
    long deadline = writeDeadline;
    if (deadline != 0 && now - deadline > 0) {
      close();
    }
  }

  /** Closes the socket; the connection's thread then ends. */
  void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
