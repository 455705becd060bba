package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The receiver's request parser, over a real loopback connection. */
class RequestReaderTest {

  private static final int FOUR_MIB = 4 * 1024 * 1024;
  private static final HttpLimits LIMITS = new HttpLimits(Duration.ofSeconds(10),
      Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10), 8, 16 * 1024, 100,
      FOUR_MIB, 1024 * 1024);

  private ServerSocket listener;
  private Socket client;
  private Socket server;

  @BeforeEach
  void connect() throws IOException {
    listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    server = listener.accept();
    server.setSoTimeout(10_000);
  }

  @AfterEach
  void close() throws IOException {
    client.close();
    server.close();
    listener.close();
  }

  /** Sends the bytes and ends the stream, so the reader sees exactly them. */
  private RequestReader sent(byte[] bytes) throws IOException {
    client.getOutputStream().write(bytes);
    client.shutdownOutput();
    SocketInput in = new SocketInput(server);
    in.deadline(Duration.ofSeconds(10));
    return new RequestReader(in, LIMITS);
  }

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  @Test
  void announcedLargeBody_allocatesForWhatArrives_notForWhatIsAnnounced() throws Exception {
    RequestReader reader = sent(("POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: "
        + FOUR_MIB + "\r\n\r\n{\"a\":1}").getBytes(StandardCharsets.US_ASCII));
    RequestReader.Head head = reader.readHead();
    long before = allocatedByThisThread();

    assertThatThrownBy(() -> reader.readBody(head)).isInstanceOf(HttpError.class)
        .hasMessageContaining("shorter");

    assertThat(allocatedByThisThread() - before).isLessThan(FOUR_MIB / 8);
  }

  @Test
  void bodyGrownAsItArrives_isExactlyWhatWasSent() throws Exception {
    byte[] body = new byte[100_000 + 7];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) ('a' + i % 26);
    }
    RequestReader reader = sent(RawHttp.concat(("POST /webhooks HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body));

    assertThat(Arrays.equals(reader.readBody(reader.readHead()), body)).isTrue();
  }

  /**
   * Only spaces and tabs around a header value are optional whitespace: other characters there
   * (a vertical tab, a form feed, a Unicode space) must not be trimmed away, so that no other
   * parser can read the framing differently.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "Transfer-Encoding: chunked\u000b", "Content-Length: \u000c2", "Content-Length: 2\u001c",
      "Transfer-Encoding: chunked\u3000"})
  void framingHeaderWithOtherWhitespaceAroundItsValue_isRefused(String field) throws Exception {
    RequestReader reader = sent(("POST /webhooks HTTP/1.1\r\nHost: x\r\n" + field
        + "\r\n\r\n{}").getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(reader::readHead).isInstanceOf(HttpError.class);
  }

  @Test
  void spacesAndTabsAroundAValue_areOptionalWhitespace() throws Exception {
    RequestReader reader = sent(("POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: \t2 \t"
        + "\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));

    assertThat(new String(reader.readBody(reader.readHead()), StandardCharsets.US_ASCII))
        .isEqualTo("{}");
  }
}
