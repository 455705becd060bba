package io.github.eventbus.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding for bytes that came from outside (a request body, a record, a line of a
 * file): overlong forms, encoded surrogates and stray bytes are refused, never read as substitute
 * or other characters, which a JSON parser or a lenient decoder would do.
 *
 * <p><b>Not part of the API.</b> This package is public only so that the library's modules can
 * share it; it may change in any release without notice.
 *
 * <p><b>Thread-safety:</b> stateless and thread-safe.
 */
public final class Utf8 {

  private Utf8() {}

  /**
   * Decodes bytes that must be strict UTF-8.
   *
   * @param bytes the bytes
   * @param offset where they start
   * @param length how many
   * @return the text, or {@code null} if the bytes are not strict UTF-8
   */
  public static String strict(byte[] bytes, int offset, int length) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, offset, length)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * Decodes bytes that must be strict UTF-8.
   *
   * @param bytes the bytes
   * @return the text, or {@code null} if the bytes are not strict UTF-8
   */
  public static String strict(byte[] bytes) {
    return strict(bytes, 0, bytes.length);
  }
}
