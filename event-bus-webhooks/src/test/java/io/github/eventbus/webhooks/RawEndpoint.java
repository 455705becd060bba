package io.github.eventbus.webhooks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A webhook endpoint on raw sockets (127.0.0.1, ephemeral port) that a test switches between
 * behaving and stalling: while {@link #stall} is set it accepts connections, counts them, and
 * never reads or answers; otherwise it reads each request and answers 200 with
 * {@code Connection: close}, recording its {@code webhook-id}.
 */
final class RawEndpoint implements AutoCloseable {

  private final ServerSocket listener;
  private final Thread acceptor;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  final BlockingQueue<String> ids = new LinkedBlockingQueue<>();
  final CountDownLatch stalledOnce = new CountDownLatch(1);
  volatile boolean stall = true;

  RawEndpoint() {
    try {
      listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    acceptor = new Thread(this::acceptLoop, "raw-endpoint");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort() + path);
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException closed) {
        return;
      }
      held.add(s);
      if (stall) {
        stalledOnce.countDown();
        continue;
      }
      Thread t = new Thread(() -> answer(s), "raw-endpoint-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  private void answer(Socket s) {
    try (s) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      int length = 0;
      String id = null;
      for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
        String lower = line.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).strip());
        } else if (lower.startsWith("webhook-id:")) {
          id = line.substring(11).strip();
        }
      }
      in.readNBytes(length);
      if (id != null) {
        ids.add(id);
      }
      s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
    } catch (IOException ignored) {
      // the client went away
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      out.write(b);
    }
    if (b < 0 && out.size() == 0) {
      return null;
    }
    String s = out.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : held) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    try {
      acceptor.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
