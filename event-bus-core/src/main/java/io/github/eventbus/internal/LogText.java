package io.github.eventbus.internal;

/**
 * Makes text that came from a request safe for a log line: {@linkplain #unsafe unsafe
 * characters} (C0 and C1 controls, line and paragraph separators, bidirectional and other
 * invisible format characters, lone surrogates), quotes and backslashes are escaped, and the
 * result is cut to a bounded length, so that a request can neither forge, hide nor reorder log
 * lines, nor flood them.
 *
 * <p><b>Not part of the API.</b> This package is public only so that the library's modules can
 * share it; it may change in any release without notice.
 *
 * <p><b>Thread-safety:</b> stateless and thread-safe.
 */
public final class LogText {

  /** The most characters of one text that a log line shows. */
  public static final int MAX = 200;

  private LogText() {}

  /**
   * Escapes unsafe characters, quotes and backslashes, and cuts the text to {@link #MAX}.
   *
   * @param text the text, or null
   * @return text safe for one log line
   */
  public static String escape(String text) {
    return render(text, MAX, true);
  }

  /**
   * Escapes only unsafe characters (not quotes or backslashes), and cuts the text to {@code max}
   * characters: for text shown as it is, such as an error message that quotes a response.
   *
   * @param text the text, or null
   * @param max the most characters to keep
   * @return the text with no unsafe character, or null if it was null
   */
  public static String printable(String text, int max) {
    return text == null ? null : render(text, max, false);
  }

  private static String render(String text, int max, boolean quotes) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 8);
    for (int i = 0; i < text.length(); i++) {
      if (out.length() >= max) {
        if (Character.isHighSurrogate(out.charAt(out.length() - 1))) {
          out.setLength(out.length() - 1); // not half a pair at the cut
        }
        return out.append("...(").append(text.length()).append(" chars)").toString();
      }
      char c = text.charAt(i);
      if (quotes && (c == '\\' || c == '"')) {
        out.append('\\').append(c);
      } else if (unsafe(text, i)) {
        out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Replaces each half of a surrogate pair without its other half by U+FFFD, so that the text can
   * be encoded as UTF-8 (a lone half is not text in any encoding); all else is kept.
   *
   * @param text the text
   * @return the text, the same instance if it had no lone half
   */
  public static String withoutLoneSurrogates(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      // Not unsafe(): that also takes a pair whose character is a format one (a tag character,
      // as in the flag of England), which is text.
      boolean lone = loneHalf(text, i);
      if (lone && out == null) {
        out = new StringBuilder(text.length()).append(text, 0, i);
      }
      if (out != null) {
        out.append(lone ? '\ufffd' : c);
      }
    }
    return out == null ? text : out.toString();
  }

  /**
   * Tells whether text holds no {@linkplain #unsafe unsafe} character.
   *
   * @param text the text
   * @return true if every character is safe
   */
  public static boolean safe(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (unsafe(text, i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Tells whether the char at {@code i} could break, hide or reorder a log line, or is not text:
   * a C0 or C1 control or DEL, U+2028 or U+2029, a format character (Unicode category Cf: the
   * bidirectional controls such as U+202E and U+2066, and invisible ones such as U+200B, U+2060,
   * U+FEFF, U+00AD and the tag characters, which make two different texts look alike), or half
   * of a surrogate pair without its other half.
   *
   * @param text the text
   * @param i the index of the char
   * @return true if that char is unsafe
   */
  public static boolean unsafe(String text, int i) {
    char c = text.charAt(i);
    if (Character.isSurrogate(c)) {
      return loneHalf(text, i) || Character.getType(
          text.codePointAt(Character.isHighSurrogate(c) ? i : i - 1)) == Character.FORMAT;
    }
    return c < 0x20 || (c >= 0x7F && c < 0xA0) || c == '\u2028' || c == '\u2029'
        || Character.getType(c) == Character.FORMAT;
  }

  /** Whether the char at {@code i} is half of a surrogate pair without its other half. */
  private static boolean loneHalf(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
    }
    return Character.isLowSurrogate(c)
        && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
  }
}
