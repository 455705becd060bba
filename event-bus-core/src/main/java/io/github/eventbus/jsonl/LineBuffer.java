package io.github.eventbus.jsonl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * The writer thread's pending lines: a growable byte array that a Jackson generator writes into
 * and a file channel is written from, without the copies and the locking of a
 * {@code ByteArrayOutputStream}. Not thread-safe: owned by the writer thread.
 */
final class LineBuffer extends OutputStream {

  private byte[] bytes;
  private int size;

  LineBuffer(int initialCapacity) {
    bytes = new byte[initialCapacity];
  }

  @Override
  public void write(int b) {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, bytes, size, len);
    size += len;
  }

  int size() {
    return size;
  }

  /** Drops everything past {@code length}, such as the half-written line of a failed record. */
  void truncate(int length) {
    size = Math.min(size, length);
  }

  void clear() {
    size = 0;
  }

  /** Writes all bytes to {@code channel}; returns how many. */
  long writeTo(FileChannel channel) throws IOException {
    ByteBuffer view = ByteBuffer.wrap(bytes, 0, size);
    long total = 0;
    while (view.hasRemaining()) {
      total += channel.write(view);
    }
    return total;
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
