package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An application whose {@code ForkJoinPool.commonPool()} is busy with its own work (the JDK's
 * HTTP client completes its calls there): a prompt 200 is still one delivered attempt, heard on
 * the client's threads, not a timeout that sends the message again. Run in a child JVM, since
 * the pool's size is fixed when a JVM first uses it.
 */
class BusyCommonPoolTest {

  @Test
  @Timeout(120)
  void aPrompt200_whileTheCommonPoolIsBusy_isOneDeliveredAttempt() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer server = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/hook", exchange -> {
      requests.incrementAndGet();
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    ExecutorService serverThreads = Executors.newFixedThreadPool(2);
    server.setExecutor(serverThreads);
    server.start();
    try {
      Process child = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
              "-cp", System.getProperty("java.class.path"),
              BusyPoolChild.class.getName(),
              "http://127.0.0.1:" + server.getAddress().getPort() + "/hook")
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      List<String> printed = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.startsWith("outcome=") || line.startsWith("threads=")) {
            printed.add(line); // other lines are the logging framework's
          }
        }
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      } finally {
        child.destroyForcibly();
      }
      assertThat(printed).hasSize(2);
      assertThat(printed.get(0)).isEqualTo("outcome=DELIVERED attempts=1");
      assertThat(printed.get(1)).matches("threads=\\[webhook-client-\\d+(, webhook-client-\\d+)*]");
      assertThat(requests).hasValue(1);
    } finally {
      server.stop(0);
      serverThreads.shutdownNow();
    }
  }
}
