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

  /** Tells whether a line feed or carriage return follows {@code from}. */
  boolean hasLineBreak(int from) {
    for (int i = from, end = bytes.position(); i < end; i++) {
      byte b = bytes.get(i);
      if (b == '\n' || b == '\r') { // never part of a multi-byte UTF-8 character
        return true;
      }
    }
    return false;
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
