package io.github.eventbus.webhooks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A strict HTTP/1.1 request parser (RFC 9112): lines end in CRLF; header names are tokens with no
 * space before the colon; no line folding; values are UTF-8 without control characters; at most
 * one Content-Length (digits only) and never together with Transfer-Encoding, which must be
 * {@code chunked} alone; a Host field; limits on header bytes and count, body size and chunk
 * lines. Anything else is an {@link HttpError}. Not thread-safe: one per connection.
 */
final class RequestReader {

  /** Fields that may legitimately repeat; any other repeated field is refused as ambiguous. */
  private static final Set<String> REPEATABLE = Set.of("accept", "accept-encoding",
      "accept-language", "cache-control", "connection", "forwarded", "te", "via",
      "x-forwarded-for");
  private static final int MAX_CHUNK_LINE = 1024;
  private static final int INITIAL_BODY_BUFFER = 16 * 1024;

  private final SocketInput in;
  private final HttpLimits limits;
  private int headerBudget;

  RequestReader(SocketInput in, HttpLimits limits) {
    this.in = in;
    this.limits = limits;
  }

  /** What the head of a request says, before its body. */
  record Head(String method, String path, boolean http11, Map<String, List<String>> headers,
      long contentLength, boolean chunked) {

    String first(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : values.get(0);
    }
  }

  /**
   * Reads a request line and header fields; null if the stream ended before the first byte.
   * The caller set the deadline.
   */
  Head readHead() throws IOException, HttpError {
    headerBudget = limits.maxHeaderBytes();
    String line = line(431, "the request line and header fields are too large", true);
    if (line == null) {
      return null;
    }
    while (line.isEmpty()) { // RFC 9112 2.2: empty lines before the request line are ignored
      line = line(431, "the request line and header fields are too large", false);
    }
    if (line.chars().anyMatch(c -> c < 0x21 && c != ' ' || c == 0x7F)) {
      throw new HttpError(400, "control character in the request line");
    }
    String[] parts = line.split(" ", -1);
    if (parts.length != 3 || parts[0].isEmpty() || !isToken(parts[0])) {
      throw new HttpError(400, "malformed request line");
    }
    boolean http11;
    if (parts[2].equals("HTTP/1.1")) {
      http11 = true;
    } else if (parts[2].equals("HTTP/1.0")) {
      http11 = false;
    } else {
      throw new HttpError(400, "only HTTP/1.1 and HTTP/1.0 are served");
    }
    String target = originForm(parts[1]);
    int query = target.indexOf('?');
    String path = query < 0 ? target : target.substring(0, query);
    Map<String, List<String>> headers = fields();
    if (http11 && (headers.get("host") == null || headers.get("host").size() != 1)) {
      throw new HttpError(400, "an HTTP/1.1 request needs exactly one Host field");
    }
    return frame(parts[0], path, http11, headers);
  }

  /**
   * Returns a request target in origin form: a path as given, or the path and query of an
   * absolute-form {@code http(s)://authority/path?query} target, which RFC 9112 requires servers
   * to accept (the authority is not used: the receiver serves one site).
   */
  private static String originForm(String target) throws HttpError {
    if (target.startsWith("/")) {
      return target;
    }
    String lower = target.toLowerCase(Locale.ROOT);
    int authority = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
    if (authority < 0) {
      throw new HttpError(400, "the request target must be a path or an http(s) URL");
    }
    int end = authority;
    while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
      end++;
    }
    if (end == authority) {
      throw new HttpError(400, "the request target's URL has no host");
    }
    return end == target.length() ? "/" : target.charAt(end) == '?' ? "/" + target.substring(end)
        : target.substring(end);
  }

  private Head frame(String method, String path, boolean http11, Map<String, List<String>> headers)
      throws HttpError {
    List<String> te = headers.get("transfer-encoding");
    List<String> cl = headers.get("content-length");
    if (te != null && cl != null) {
      throw new HttpError(400, "Content-Length and Transfer-Encoding together");
    }
    if (te != null) {
      if (!http11 || te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
        throw new HttpError(400, "the only transfer coding served is chunked, alone");
      }
      return new Head(method, path, true, headers, -1, true);
    }
    long length = 0;
    if (cl != null) {
      String value = cl.get(0);
      if (cl.size() != 1 || value.isEmpty()
          || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new HttpError(400, "Content-Length must be one decimal number");
      }
      // A well-formed length too large for a long is a body too large, not a broken request.
      int zeros = 0;
      while (zeros < value.length() - 1 && value.charAt(zeros) == '0') {
        zeros++;
      }
      String digits = value.substring(zeros);
      length = digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
    } else if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
      throw new HttpError(411, "a body needs Content-Length or chunked encoding");
    }
    return new Head(method, path, http11, headers, length, false);
  }

  private Map<String, List<String>> fields() throws IOException, HttpError {
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    int count = 0;
    while (true) {
      String line = line(431, "the header fields are too large", false);
      if (line.isEmpty()) {
        return headers;
      }
      if (++count > limits.maxHeaderCount()) {
        throw new HttpError(431, "more than " + limits.maxHeaderCount() + " header fields");
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line.substring(0, colon))) {
        throw new HttpError(400, "malformed header field");
      }
      String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
      String value = trimOptionalWhitespace(line.substring(colon + 1));
      if (hasControl(value, 0)) {
        throw new HttpError(400, "control character in a header field");
      }
      List<String> values = headers.computeIfAbsent(name, k -> new ArrayList<>(1));
      if (!values.isEmpty() && !REPEATABLE.contains(name)) {
        throw new HttpError(400, "repeated header field " + name);
      }
      values.add(value);
    }
  }

  /** Reads the body the head announced, at most the limit (the caller checked Content-Length). */
  byte[] readBody(Head head) throws IOException, HttpError {
    if (!head.chunked()) {
      // Grown as bytes arrive, at most doubling: a declared length costs memory only once the
      // client has sent about half of it, so announcing large bodies and stalling costs little.
      int length = (int) head.contentLength();
      byte[] body = new byte[Math.min(length, INITIAL_BODY_BUFFER)];
      int at = 0;
      while (at < length) {
        if (at == body.length) {
          body = Arrays.copyOf(body, (int) Math.min(length, 2L * body.length));
        }
        int n = in.read(body, at, body.length - at);
        if (n < 0) {
          throw new HttpError(400, "the body is shorter than its Content-Length");
        }
        at += n;
      }
      return body;
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      long n = chunkSize(chunkLine());
      if (n == 0) {
        headerBudget = limits.maxHeaderBytes();
        fields(); // trailers: read, bounded, and ignored
        return body.toByteArray();
      }
      if (body.size() + n > limits.maxBodyBytes()) {
        throw new HttpError(413, "body larger than " + limits.maxBodyBytes() + " bytes");
      }
      copy(n, body);
      if (in.read() != '\r' || in.read() != '\n') {
        throw new HttpError(400, "a chunk does not end with CRLF");
      }
    }
  }

  /**
   * Reads a chunk line's size as RFC 9112 spells it: 1 to 8 ASCII hex digits, then either the
   * end of the line or optional spaces or tabs and a {@code ;} that starts extensions (ignored,
   * but without control characters other than tab, as in header fields). Anything else (other
   * digits, signs, whitespace elsewhere) is refused: a proxy in front might read such a size
   * otherwise, and the two would disagree on where the request ends.
   */
  private static long chunkSize(String line) throws HttpError {
    int end = 0;
    long size = 0;
    while (end < line.length() && end < 9 && hexDigit(line.charAt(end)) >= 0) {
      size = size * 16 + hexDigit(line.charAt(end));
      end++;
    }
    int next = end;
    while (next < line.length() && (line.charAt(next) == ' ' || line.charAt(next) == '\t')) {
      next++;
    }
    boolean rest = next == line.length() ? next == end : line.charAt(next) == ';';
    if (end == 0 || end > 8 || !rest) {
      throw new HttpError(400, "malformed chunk size");
    }
    if (hasControl(line, next)) {
      throw new HttpError(400, "control character in a chunk extension");
    }
    return size;
  }

  /** Whether {@code text} from {@code from} on holds a control character other than tab. */
  private static boolean hasControl(String text, int from) {
    return text.chars().skip(from).anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7F);
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }

  private void copy(long n, OutputStream out) throws IOException, HttpError {
    byte[] chunk = new byte[(int) Math.min(n, 8192)];
    long left = n;
    while (left > 0) {
      int r = in.read(chunk, 0, (int) Math.min(left, chunk.length));
      if (r < 0) {
        throw new HttpError(400, "the body ended inside a chunk");
      }
      out.write(chunk, 0, r);
      left -= r;
    }
  }

  private String chunkLine() throws IOException, HttpError {
    int saved = headerBudget;
    headerBudget = MAX_CHUNK_LINE;
    String line = line(400, "chunk line too long", false);
    headerBudget = saved;
    return line;
  }

  /**
   * Reads a CRLF-terminated line within the budget; null only if {@code eofAllowed} and the
   * stream ends before its first byte.
   */
  private String line(int tooLong, String tooLongReason, boolean eofAllowed)
      throws IOException, HttpError {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (eofAllowed && bytes.size() == 0) {
          return null;
        }
        throw new HttpError(400, "the request ended inside its head");
      }
      if (--headerBudget < 0) {
        throw new HttpError(tooLong, tooLongReason);
      }
      if (b == '\r') {
        if (in.read() != '\n') {
          throw new HttpError(400, "CR without LF");
        }
        if (--headerBudget < 0) { // the LF counts too
          throw new HttpError(tooLong, tooLongReason);
        }
        return utf8(bytes.toByteArray());
      }
      if (b == '\n') {
        throw new HttpError(400, "a line ends in LF without CR");
      }
      bytes.write(b);
    }
  }

  private static String utf8(byte[] bytes) throws HttpError {
    boolean ascii = true;
    for (byte b : bytes) {
      ascii &= b >= 0;
    }
    if (ascii) {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new HttpError(400, "a header line is not UTF-8");
    }
  }

  /**
   * Drops the spaces and tabs around a field value (HTTP's optional whitespace) and nothing else:
   * a vertical tab or a Unicode space stays, to be refused, since a parser that trimmed it would
   * frame the request differently from one that does not.
   */
  private static String trimOptionalWhitespace(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
      start++;
    }
    while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
      end--;
    }
    return value.substring(start, end);
  }

  private static boolean isToken(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return !text.isEmpty();
  }
}
