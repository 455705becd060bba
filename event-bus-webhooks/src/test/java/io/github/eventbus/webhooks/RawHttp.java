package io.github.eventbus.webhooks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** A test client on raw sockets: writes exact bytes, reads exact answers. */
final class RawHttp {

  /** One answer read from the wire. */
  record Answer(int status, Map<String, String> headers, String body) {}

  private RawHttp() {}

  static Socket connect(URI uri) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
    socket.setSoTimeout(30_000); // a safety net against a hung test, not a synchronisation
    return socket;
  }

  /** A complete POST with Content-Length, the given header lines, and the body. */
  static byte[] post(URI uri, Map<String, String> headers, byte[] body) {
    StringBuilder head = new StringBuilder("POST ").append(uri.getRawPath())
        .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(uri.getPort()).append("\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    return concat(head.toString().getBytes(StandardCharsets.UTF_8), body);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Sends bytes on a new connection, half-closes it, and reads one answer. */
  static Answer exchange(URI uri, byte[] request) throws IOException {
    try (Socket socket = connect(uri)) {
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      socket.shutdownOutput();
      return read(socket.getInputStream());
    }
  }

  /** Reads one answer; null if the stream ends first. */
  static Answer read(InputStream in) throws IOException {
    String status = line(in);
    if (status == null) {
      return null;
    }
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    int code = Integer.parseInt(status.split(" ")[1]);
    if (code == 100) {
      return read(in);
    }
    return new Answer(code, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        String s = out.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      out.write(b);
    }
    return out.size() == 0 ? null : out.toString(StandardCharsets.UTF_8);
  }

  /** Standard Webhooks headers and a JSON content type for a body. */
  static Map<String, String> signed(String secret, String id, java.time.Instant at, byte[] body) {
    Map<String, String> headers = new java.util.LinkedHashMap<>(SignatureScheme.standardWebhooks()
        .sign(id, at, body, List.of(WebhookSecret.of(secret))));
    headers.put("Content-Type", "application/json");
    return headers;
  }
}
