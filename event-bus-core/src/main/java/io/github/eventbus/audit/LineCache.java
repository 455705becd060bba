package io.github.eventbus.audit;

import com.fasterxml.jackson.core.io.SerializedString;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What one audit writer thread reuses from line to line: the timestamp formatter, and the
 * encoded form of recent type names and sources, which repeat on nearly every line. Not
 * thread-safe: one per writer thread.
 */
final class LineCache {

  private static final int MAX_NAMES = 256;

  final IsoInstants instants = new IsoInstants();
  /** Remembered for a string that is not Unicode text, so that it is not tried on every line. */
  private static final SerializedString NOT_UNICODE = new SerializedString("");

  private final Map<String, SerializedString> names = new IdentityHashMap<>();

  /**
   * The encoded form of a string that is likely to repeat (looked up by identity), or null if it
   * is not Unicode text (a lone surrogate) and so cannot be encoded ahead of its line.
   */
  SerializedString name(String value) {
    SerializedString encoded = names.get(value);
    if (encoded == null) {
      encoded = new SerializedString(value);
      try {
        encoded.asQuotedUTF8(); // encoded once here, then shared by every line
      } catch (IllegalArgumentException notUnicode) {
        encoded = NOT_UNICODE; // a lone surrogate: the generator escapes it, line by line
      }
      if (names.size() >= MAX_NAMES) {
        names.clear();
      }
      names.put(value, encoded);
    }
    return encoded == NOT_UNICODE ? null : encoded;
  }
}
