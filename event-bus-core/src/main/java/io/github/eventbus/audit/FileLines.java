package io.github.eventbus.audit;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The lines of one file, up to the size it had when opened, read in blocks at their positions.
 * A line that runs from one block into the next is checked against the file once the next block
 * is read: if its start is no longer what the file holds there (the file was truncated and
 * written again in place, as logrotate's copytruncate does), or the file has become shorter,
 * reading stops with {@link Changed} instead of returning a line joined from old and new content.
 * Not thread-safe.
 */
final class FileLines implements Closeable {

  /** The file changed under the reader; what is left of it is not read. */
  static final class Changed extends IOException {
    Changed(String message) {
      super(message);
    }
  }

  private static final int BLOCK = 64 * 1024;

  private final FileChannel channel;
  private final long size;
  private final ByteBuffer block = ByteBuffer.allocate(BLOCK);
  private long blockStart; // the file position of the block's first byte

  FileLines(Path file, long size) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
    this.size = size;
    block.limit(0);
  }

  /**
   * The bytes of the next line, without its {@code \n} (and a {@code \r} before it), or null at
   * the end. Lines end at {@code \n} only, as the writer ends them and as grep, sed and jq count
   * them: a bare {@code \r} inside a line is JSON whitespace, not a line break.
   *
   * @throws Changed if the file changed under the reader (see the class comment)
   */
  byte[] readLine() throws IOException {
    long lineStart = blockStart + block.position();
    ByteArrayOutputStream carried = null; // only for a line that crosses into the next block
    int from = block.position();
    while (true) {
      byte[] bytes = block.array();
      for (int i = from; i < block.limit(); i++) {
        if (bytes[i] == '\n') {
          block.position(i + 1);
          byte[] line = joined(carried, bytes, from, i);
          int n = line.length;
          return n > 0 && line[n - 1] == '\r' ? Arrays.copyOf(line, n - 1) : line;
        }
      }
      if (carried == null) {
        carried = new ByteArrayOutputStream(256);
      }
      carried.write(bytes, from, block.limit() - from);
      block.position(block.limit());
      if (!nextBlock()) {
        return carried.size() == 0 ? null : carried.toByteArray();
      }
      if (carried.size() > 0) {
        checkUnchanged(lineStart, carried.toByteArray());
      }
      from = 0;
    }
  }

  private static byte[] joined(ByteArrayOutputStream carried, byte[] bytes, int from, int to) {
    if (carried == null || carried.size() == 0) {
      return Arrays.copyOfRange(bytes, from, to);
    }
    carried.write(bytes, from, to - from);
    return carried.toByteArray();
  }

  /** Reads the block after the current one; false at the size seen at open. */
  private boolean nextBlock() throws IOException {
    blockStart += block.limit();
    if (blockStart >= size) {
      block.limit(0);
      return false;
    }
    block.clear();
    block.limit((int) Math.min(BLOCK, size - blockStart));
    readFully(block, blockStart);
    block.flip();
    return true;
  }

  /** Whether the file still holds {@code expected} at {@code position}; throws if not. */
  private void checkUnchanged(long position, byte[] expected) throws IOException {
    ByteBuffer now = ByteBuffer.allocate(expected.length);
    readFully(now, position);
    if (!Arrays.equals(now.array(), expected)) {
      throw new Changed("the file was rewritten in place while being read (a copytruncate?)");
    }
  }

  private void readFully(ByteBuffer into, long position) throws IOException {
    while (into.hasRemaining()) {
      int n = channel.read(into, position + into.position());
      if (n < 0) {
        throw new Changed("the file became shorter while being read (truncated in place?)");
      }
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
