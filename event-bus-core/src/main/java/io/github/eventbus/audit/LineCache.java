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
  private final Map<String, SerializedString> names = new IdentityHashMap<>();

  /** The encoded form of a string that is likely to repeat (looked up by identity). */
  SerializedString name(String value) {
    SerializedString encoded = names.get(value);
    if (encoded == null) {
      if (names.size() >= MAX_NAMES) {
        names.clear();
      }
      encoded = new SerializedString(value);
      names.put(value, encoded);
    }
    return encoded;
  }
}
