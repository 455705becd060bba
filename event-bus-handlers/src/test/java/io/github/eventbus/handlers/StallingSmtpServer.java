package io.github.eventbus.handlers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An SMTP server on 127.0.0.1 for one client that answers every command, takes the whole message,
 * and then never answers its end: the client has written everything and waits.
 */
final class StallingSmtpServer implements AutoCloseable {

  private final ServerSocket server;
  private final Thread thread;
  private final CountDownLatch messageEnded = new CountDownLatch(1);
  private volatile Socket client;
  /** Every line the client sent, commands and message alike. */
  final List<String> lines = new CopyOnWriteArrayList<>();

  StallingSmtpServer() throws IOException {
    server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    thread = new Thread(this::serve, "probe-stalling-smtp");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Waits until the client has sent the message's end. */
  boolean awaitMessageEnd(long seconds) throws InterruptedException {
    return messageEnded.await(seconds, TimeUnit.SECONDS);
  }

  private void serve() {
    try (Socket c = server.accept()) {
      client = c;
      BufferedReader in = new BufferedReader(
          new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
      OutputStream out = c.getOutputStream();
      reply(out, "220 stalling ESMTP");
      String line;
      boolean data = false;
      while ((line = in.readLine()) != null) {
        lines.add(line);
        if (data) {
          if (line.equals(".")) {
            messageEnded.countDown(); // and no answer
          }
        } else if (line.regionMatches(true, 0, "DATA", 0, 4)) {
          data = true;
          reply(out, "354 go on");
        } else if (line.regionMatches(true, 0, "EHLO", 0, 4)) {
          reply(out, "250 stalling");
        } else {
          reply(out, "250 ok");
        }
      }
    } catch (IOException e) {
      // closed
    }
  }

  private static void reply(OutputStream out, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    Socket c = client;
    if (c != null) {
      c.close();
    }
  }
}
