package io.github.eventbus.webhooks;

import io.github.eventbus.internal.LogText;
import java.util.Locale;

/**
 * The receiver's path, and which request paths it serves: itself and the paths beneath it.
 * Paths are compared as URI paths are sent: percent-encoded, with the hex digits of an encoding
 * in either case. A request path with a dot segment ({@code .} or {@code ..}, encoded or not) is
 * served by none, since what it names depends on who resolves it. Immutable and thread-safe.
 */
final class ReceiverPath {

  /** What a URI path may hold besides ASCII letters, digits and encodings (RFC 3986 3.3). */
  private static final String PATH_MARKS = "-._~!$&'()*+,;=:@/";

  private final String path; // its encodings' hex digits upper case

  private ReceiverPath(String path) {
    this.path = path;
  }

  /**
   * Checks a path for the builder: it must be what a client sends, so that {@code uri()} reaches
   * it.
   *
   * @throws IllegalArgumentException if it does not start with '/', has a query, a fragment, a
   *     character a URI path must encode, a broken encoding, or a dot segment
   */
  static ReceiverPath of(String path) {
    String problem = !path.startsWith("/") ? "does not start with '/'"
        : path.indexOf('?') >= 0 ? "has a query"
        : path.indexOf('#') >= 0 ? "has a fragment"
        : !wellEncoded(path) ? "has a character a URI path must percent-encode (such as a space"
            + " or a non-ASCII letter), or a '%' not followed by two hex digits"
        : hasDotSegment(path) ? "has a '.' or '..' segment"
        : null;
    if (problem != null) {
      throw new IllegalArgumentException("path must be a URI path as sent, starting with '/',"
          + " but \"" + LogText.escape(path) + "\" " + problem);
    }
    return new ReceiverPath(upperCaseEncodings(path));
  }

  /** The path, as {@link WebhookReceiver#uri()} gives it. */
  String path() {
    return path;
  }

  /** Tells whether a request path (as the request line gave it) is this path or beneath it. */
  boolean serves(String requestPath) {
    if (requestPath.indexOf('%') >= 0) {
      if (!wellEncoded(requestPath)) {
        return false;
      }
      requestPath = upperCaseEncodings(requestPath);
    }
    return (requestPath.equals(path) || (requestPath.startsWith(path)
            && (path.endsWith("/") || requestPath.charAt(path.length()) == '/')))
        && !hasDotSegment(requestPath);
  }

  /** RFC 3986 path characters: pchar and '/', with '%' only as the start of an encoding. */
  private static boolean wellEncoded(String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%') {
        if (i + 2 >= path.length() || !hexDigit(path.charAt(i + 1))
            || !hexDigit(path.charAt(i + 2))) {
          return false;
        }
        i += 2;
      } else if (c >= 0x80 || !(Character.isLetterOrDigit(c) || PATH_MARKS.indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }

  /** ASCII only: {@code Character.digit} also takes other scripts' digits, which URIs refuse. */
  private static boolean hexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean hasDotSegment(String path) {
    for (String segment : path.split("/", -1)) {
      String decoded = segment.replace("%2E", ".").replace("%2e", ".");
      if (decoded.equals(".") || decoded.equals("..")) {
        return true;
      }
    }
    return false;
  }

  private static String upperCaseEncodings(String path) {
    if (path.indexOf('%') < 0) {
      return path;
    }
    StringBuilder s = new StringBuilder(path);
    for (int i = s.indexOf("%"); i >= 0; i = s.indexOf("%", i + 3)) {
      s.replace(i + 1, i + 3, s.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return path;
  }
}
