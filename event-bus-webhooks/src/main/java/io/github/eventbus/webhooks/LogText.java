package io.github.eventbus.webhooks;

/**
 * Makes text that came from a request safe for a log line: control characters (CR, LF, ESC and
 * the rest), quotes and backslashes are escaped, and the result is cut to a bounded length, so
 * that a request can neither forge log lines nor flood them.
 */
final class LogText {

  static final int MAX = 200;

  private LogText() {}

  static String escape(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX) + 8);
    for (int i = 0; i < text.length(); i++) {
      if (out.length() >= MAX) {
        return out.append("...(").append(text.length()).append(" chars)").toString();
      }
      char c = text.charAt(i);
      if (c == '\\' || c == '"') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == '\u2028' || c == '\u2029') {
        out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
