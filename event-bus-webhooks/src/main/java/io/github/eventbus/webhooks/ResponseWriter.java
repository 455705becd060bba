package io.github.eventbus.webhooks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes a {@link ReceiverResponse} as an HTTP/1.1 response, in one write. */
final class ResponseWriter {

  private static final Map<Integer, String> REASONS = Map.ofEntries(
      Map.entry(100, "Continue"), Map.entry(200, "OK"), Map.entry(202, "Accepted"),
      Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(404, "Not Found"),
      Map.entry(405, "Method Not Allowed"), Map.entry(408, "Request Timeout"),
      Map.entry(411, "Length Required"), Map.entry(413, "Content Too Large"),
      Map.entry(415, "Unsupported Media Type"),
      Map.entry(431, "Request Header Fields Too Large"), Map.entry(503, "Service Unavailable"));

  private ResponseWriter() {}

  static byte[] bytes(ReceiverResponse response, boolean close) {
    return bytes(response, close, false);
  }

  /** The response; without its body if {@code headOnly} (the answer to HEAD). */
  static byte[] bytes(ReceiverResponse response, boolean close, boolean headOnly) {
    byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder(160).append("HTTP/1.1 ").append(response.status())
        .append(' ').append(REASONS.getOrDefault(response.status(), "Status")).append("\r\n")
        .append("Content-Type: application/json; charset=utf-8\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n");
    response.headers().forEach((name, value) ->
        head.append(name).append(": ").append(value).append("\r\n"));
    if (close) {
      head.append("Connection: close\r\n");
    }
    byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    if (headOnly) {
      return headBytes;
    }
    byte[] all = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }

  static void write(OutputStream out, ReceiverResponse response, boolean close, boolean headOnly)
      throws IOException {
    out.write(bytes(response, close, headOnly));
    out.flush();
  }

  static void writeContinue(OutputStream out) throws IOException {
    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }
}
