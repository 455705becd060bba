package io.github.eventbus.handlers;

import java.util.Locale;

/**
 * Reads the JSON names of the handlers' enums in any case, ASCII only: upper-casing maps letters
 * of other scripts onto ASCII ones (the Turkish dotless {@code ı} onto {@code I}), so
 * {@code "crıtıcal"} would be read as critical while a downstream filter on the text
 * {@code "critical"} misses it. Stateless.
 */
final class EnumNames {

  private EnumNames() {}

  /**
   * The constant named {@code value} in any ASCII case.
   *
   * @throws IllegalArgumentException if no constant has that name
   */
  static <E extends Enum<E>> E parse(Class<E> type, String value) {
    if (!ascii(value)) {
      throw new IllegalArgumentException("No enum constant " + type.getName() + "." + value);
    }
    return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
  }

  /** Whether {@code value} is {@code name} in any ASCII case. */
  static boolean sameName(String value, String name) {
    return ascii(value) && value.equalsIgnoreCase(name);
  }

  private static boolean ascii(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
