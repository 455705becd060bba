package io.github.eventbus.webhooks;

import io.github.eventbus.internal.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Buffered reading from a socket under a deadline: every read waits at most until the deadline
 * set last, so a client sending one byte now and then cannot stretch it. Not thread-safe: one
 * connection's thread uses it.
 */
final class SocketInput {

  private final Socket socket;
  private final InputStream in;
  private final byte[] buffer = new byte[8192];
  private int pos;
  private int end;
  private long deadline;

  SocketInput(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /** Sets the deadline to {@code timeout} from now. */
  void deadline(Duration timeout) {
    deadline = System.nanoTime() + Settings.nanos(timeout);
  }

  /** Waits until a byte can be read; false at the end of the stream. */
  boolean ready() throws IOException {
    return pos < end || fill();
  }

  /** The next byte without reading it; -1 at the end of the stream. */
  int peek() throws IOException {
    if (pos == end && !fill()) {
      return -1;
    }
    return buffer[pos] & 0xFF;
  }

  /** Reads one byte; -1 at the end of the stream. */
  int read() throws IOException {
    if (pos == end && !fill()) {
      return -1;
    }
    return buffer[pos++] & 0xFF;
  }

  /** Reads up to {@code len} bytes; -1 at the end of the stream. */
  int read(byte[] into, int off, int len) throws IOException {
    if (pos == end && !fill()) {
      return -1;
    }
    int n = Math.min(len, end - pos);
    System.arraycopy(buffer, pos, into, off, n);
    pos += n;
    return n;
  }

  /** Throws away up to {@code max} bytes; returns how many, stopping at the end of the stream. */
  long skip(long max) throws IOException {
    long skipped = 0;
    while (skipped < max) {
      if (pos == end && !fill()) {
        break;
      }
      int n = (int) Math.min(max - skipped, end - pos);
      pos += n;
      skipped += n;
    }
    return skipped;
  }

  private boolean fill() throws IOException {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE,
        Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining))));
    int n = in.read(buffer, 0, buffer.length);
    if (n < 0) {
      return false;
    }
    pos = 0;
    end = n;
    return true;
  }
}
