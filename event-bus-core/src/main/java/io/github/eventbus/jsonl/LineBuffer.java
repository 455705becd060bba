package io.github.eventbus.jsonl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The writer thread's pending lines: a growable direct buffer that a Jackson generator writes
 * into and a file channel writes from, without the intermediate copies of a heap array (which
 * the JDK copies into a direct buffer on every write) and without the locking of a
 * {@code ByteArrayOutputStream}. Not thread-safe: owned by the writer thread.
 */
final class LineBuffer extends OutputStream {

  private final int initialCapacity;
  private ByteBuffer bytes;

  LineBuffer(int initialCapacity) {
    this.initialCapacity = initialCapacity;
    bytes = ByteBuffer.allocateDirect(initialCapacity);
  }

  /**
   * If empty and grown past four times its first size (a burst, a large record), goes back to
   * that size, so that the memory of a burst is not held for the writer's life.
   */
  void shrink() {
    if (bytes.position() == 0 && bytes.capacity() > 4 * initialCapacity) {
      bytes = ByteBuffer.allocateDirect(initialCapacity);
    }
  }

  @Override
  public void write(int b) {
    ensure(1);
    bytes.put((byte) b);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    bytes.put(b, off, len);
  }

  /**
   * Checks the JSON after {@code from}, one record's: tells whether a line feed or carriage return
   * is there, and replaces each escaped half of a surrogate pair that lacks its other half (an
   * escaped U+D800 alone: not text in any encoding) by the escaped replacement character U+FFFD,
   * of the same length, since many readers (jq 1.6 among them) stop at such a line.
   */
  boolean checkLine(int from) {
    int end = bytes.position();
    int high = -1; // where an escaped high surrogate waits for its low half
    for (int i = from; i < end; i++) {
      byte b = bytes.get(i);
      if (b == '\n' || b == '\r') { // never part of a multi-byte UTF-8 character
        return true;
      }
      if (b != '\\' || i + 1 >= end) {
        high = replaceIfAlone(high);
        continue;
      }
      int unit = bytes.get(i + 1) == 'u' ? hex4(i + 2, end) : -1;
      boolean isLow = unit >= 0xDC00 && unit <= 0xDFFF;
      if (high >= 0) {
        high = isLow ? -1 : replaceIfAlone(high);
        if (isLow) {
          i += 5;
          continue;
        }
      }
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        high = i;
      } else if (isLow) {
        replaceIfAlone(i);
      }
      i += unit >= 0 ? 5 : 1; // past the escape (a "\\" too, so its second half is not one)
    }
    replaceIfAlone(high);
    return false;
  }

  /** Replaces the escape at {@code at} (if not negative) by the escaped U+FFFD; returns -1. */
  private int replaceIfAlone(int at) {
    if (at >= 0) {
      bytes.put(at + 2, (byte) 'f').put(at + 3, (byte) 'f').put(at + 4, (byte) 'f')
          .put(at + 5, (byte) 'd');
    }
    return -1;
  }

  /** The value of four hex digits at {@code at}, or -1 if they are not that. */
  private int hex4(int at, int end) {
    if (at + 4 > end) {
      return -1;
    }
    int value = 0;
    for (int i = at; i < at + 4; i++) {
      int digit = Character.digit(bytes.get(i), 16);
      if (digit < 0) {
        return -1;
      }
      value = value << 4 | digit;
    }
    return value;
  }

  int size() {
    return bytes.position();
  }

  /** Drops everything past {@code length}, such as the half-written line of a failed record. */
  void truncate(int length) {
    bytes.position(Math.min(bytes.position(), length));
  }

  void clear() {
    bytes.clear();
  }

  /** Writes all bytes to {@code channel}, keeping them here; returns how many. */
  long writeTo(FileChannel channel) throws IOException {
    ByteBuffer view = bytes.duplicate().flip();
    long total = 0;
    while (view.hasRemaining()) {
      total += channel.write(view);
    }
    return total;
  }

  private void ensure(int more) {
    if (bytes.remaining() < more) {
      ByteBuffer larger = ByteBuffer.allocateDirect(Math.max(bytes.capacity() * 2, bytes.position() + more));
      larger.put(bytes.flip());
      bytes = larger;
    }
  }
}
