package io.github.eventbus.handlers;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.slf4j.LoggerFactory;

/** Helpers of {@link HandlersProbeTest}: log capture, bounded waiting, a hostile SMTP server. */
final class ProbeSupport {

  private ProbeSupport() {}

  /** Waits, without sleeping, until the condition holds or the deadline passes. */
  static boolean await(BooleanSupplier condition, long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.onSpinWait();
      Thread.yield();
    }
    return true;
  }

  /** The lines of a log, or none if the file does not exist (no line was ever written). */
  static List<JsonNode> linesOf(Path file) throws IOException {
    return Files.exists(file) ? LogLines.read(file) : List.of();
  }

  /** Captures what a logger (and those below it) logs at WARN or above, until closed. */
  static final class CapturedLog implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    CapturedLog(String name) {
      logger = (Logger) LoggerFactory.getLogger(name);
      appender.start();
      logger.addAppender(appender);
    }

    List<String> warnings() {
      List<ILoggingEvent> events;
      synchronized (appender) { // what doAppend holds while the logging thread adds to the list
        events = List.copyOf(appender.list);
      }
      return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
      logger.detachAppender(appender);
      appender.stop();
    }
  }

  /**
   * An SMTP server on 127.0.0.1 that drips an endless multi-line greeting ({@code 220-...}), one
   * line well within any read timeout, so a client that bounds only each read never finishes.
   */
  static final class DrippingSmtpServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    DrippingSmtpServer() throws IOException {
      server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
      thread = new Thread(this::serve, "probe-dripping-smtp");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      try (Socket client = server.accept()) {
        clients.add(client);
        OutputStream out = client.getOutputStream();
        Object tick = new Object();
        while (!closed) {
          out.write("220-still greeting\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          synchronized (tick) {
            tick.wait(200); // the drip rate of the hostile server, not synchronisation
          }
        }
      } catch (IOException | InterruptedException e) {
        // closed
      }
    }

    @Override
    public void close() throws IOException {
      closed = true;
      server.close();
      for (Socket s : clients) {
        s.close();
      }
      thread.interrupt();
    }
  }
}
