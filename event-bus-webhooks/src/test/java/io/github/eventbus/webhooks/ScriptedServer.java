package io.github.eventbus.webhooks;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JDK HTTP server on 127.0.0.1 (ephemeral port) that answers each request with the next
 * scripted reply (200 when the script is empty) and records what it received.
 */
final class ScriptedServer implements AutoCloseable {

  /** What the server does for one request: optionally waits for a latch, then answers. */
  record Reply(int status, Map<String, String> headers, CountDownLatch holdUntil) {
    static Reply of(int status) {
      return new Reply(status, Map.of(), null);
    }

    static Reply held(int status, CountDownLatch latch) {
      return new Reply(status, Map.of(), latch);
    }
  }

  /** A received request. */
  record Received(String path, Map<String, String> headers, byte[] body) {}

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Deque<Reply> script = new ArrayDeque<>();
  final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

  ScriptedServer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", exchange -> {
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, v.get(0)));
      received.add(new Received(exchange.getRequestURI().getPath(), headers,
          exchange.getRequestBody().readAllBytes()));
      Reply reply;
      synchronized (script) {
        reply = script.isEmpty() ? Reply.of(200) : script.poll();
      }
      if (reply.holdUntil() != null) {
        try {
          reply.holdUntil().await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      try {
        exchange.sendResponseHeaders(reply.status(), -1);
      } catch (IOException clientGone) {
        // the client cancelled: nothing to answer
      }
      exchange.close();
    });
    server.setExecutor(threads);
    server.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  void script(Reply... replies) {
    synchronized (script) {
      script.addAll(List.of(replies));
    }
  }

  Received next() throws InterruptedException {
    Received r = received.poll(10, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no request within 10 s");
    }
    return r;
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
