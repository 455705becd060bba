package io.github.eventbus.handlers;

import io.github.eventbus.internal.Settings;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;

/**
 * Sockets whose whole exchange must end within a deadline counted from their creation: each read
 * waits at most the read timeout, and never past the deadline. A read timeout alone bounds each
 * wait, not a server that answers a little at a time for ever. Thread-safe; its sockets are
 * used as sockets are.
 */
final class DeadlineSocketFactory extends SocketFactory {

  /**
   * The most a server may send over one connection: the replies to one message's commands are a
   * few kilobytes.
   */
  static final long MAX_RECEIVED_BYTES = 1024 * 1024;

  private final long totalNanos;
  private final int readMillis;
  private final int connectMillis;

  DeadlineSocketFactory(Duration total, Duration connect, Duration read) {
    this.totalNanos = Settings.nanos(total);
    this.connectMillis = (int) Math.min(Integer.MAX_VALUE, Settings.millis(connect));
    this.readMillis = (int) Math.min(Integer.MAX_VALUE, Settings.millis(read));
  }

  @Override
  public Socket createSocket() {
    return new DeadlineSocket(System.nanoTime() + totalNanos, readMillis);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port), null);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port), null);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
      int localPort) throws IOException {
    return connected(new InetSocketAddress(address, port),
        new InetSocketAddress(localAddress, localPort));
  }

  private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
    Socket socket = createSocket();
    try {
      if (local != null) {
        socket.bind(local);
      }
      socket.connect(remote, connectMillis);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** A socket whose reads stop at its deadline. */
  private static final class DeadlineSocket extends Socket {
    private final long deadline;
    private final int readMillis;
    private InputStream in;
    private long received; // by the one thread that reads the socket

    DeadlineSocket(long deadline, int readMillis) {
      this.deadline = deadline;
      this.readMillis = readMillis;
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (in == null) {
        in = new FilterInputStream(super.getInputStream()) {
          @Override
          public int read() throws IOException {
            arm(1);
            int b = super.read();
            received += b < 0 ? 0 : 1;
            return b;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            arm(len);
            int n = super.read(b, off, (int) Math.min(len, MAX_RECEIVED_BYTES - received));
            received += Math.max(n, 0);
            return n;
          }
        };
      }
      return in;
    }

    private void arm(int wanted) throws IOException {
      if (wanted > 0 && received >= MAX_RECEIVED_BYTES) {
        // The client keeps what a server sends until a line ends: a server that never ends one
        // (or sends line after line) would fill the heap well within the deadline.
        throw new IOException("the server sent more than " + MAX_RECEIVED_BYTES
            + " bytes for one message");
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("the exchange did not end within its deadline");
      }
      setSoTimeout((int) Math.max(1, Math.min(readMillis, TimeUnit.NANOSECONDS.toMillis(left))));
    }
  }
}
