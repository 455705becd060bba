package io.github.eventbus.audit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The lines of one file, up to the size it had when opened, read in blocks at their positions.
 * Each time the next block is read, the file is checked again at the end of the block before
 * (the bytes of the line that runs on into the new block, or at least its last 256 bytes) and at
 * the start of a line that began further back: if they are no longer what the file holds there
 * (the file was truncated and written again in place, as logrotate's copytruncate does), or the
 * file has become shorter, reading stops with {@link Changed} instead of returning a line joined
 * from old and new content, or lines of the new content read on from an old position. Each byte
 * is read back at most once more, so a long line costs linear work. Not thread-safe.
 */
final class FileLines implements Closeable {

  /** The file changed under the reader; what is left of it is not read. */
  static final class Changed extends IOException {
    Changed(String message) {
      super(message);
    }
  }

  private static final int BLOCK = 64 * 1024;
  private static final int CHECKED = 256; // at least this much before a new block is checked

  private final FileChannel channel;
  private final long size;
  private final ByteBuffer block = ByteBuffer.allocate(BLOCK);
  private final byte[] tail = new byte[CHECKED];
  private long blockStart; // the file position of the block's first byte
  private byte[] carried = new byte[256]; // the start of a line that crosses into the next block
  private int carriedLength;
  private long bytesRead; // blocks and checks together

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
    carriedLength = 0;
    int from = block.position();
    while (true) {
      byte[] bytes = block.array();
      for (int i = from; i < block.limit(); i++) {
        if (bytes[i] == '\n') {
          block.position(i + 1);
          byte[] line = joined(bytes, from, i);
          int n = line.length;
          return n > 0 && line[n - 1] == '\r' ? Arrays.copyOf(line, n - 1) : line;
        }
      }
      int segment = block.limit() - from; // of this line, in this block
      carry(bytes, from, segment);
      int tailLength = Math.min(CHECKED, block.limit());
      System.arraycopy(bytes, block.limit() - tailLength, tail, 0, tailLength);
      block.position(block.limit());
      if (!nextBlock()) {
        return carriedLength == 0 ? null : Arrays.copyOf(carried, carriedLength);
      }
      if (segment >= tailLength) {
        checkUnchanged(blockStart - segment, carried, carriedLength - segment, segment);
      } else {
        checkUnchanged(blockStart - tailLength, tail, 0, tailLength);
      }
      int earlier = carriedLength - segment; // of this line, in blocks before that one
      if (earlier > 0) {
        checkUnchanged(lineStart, carried, 0, Math.min(CHECKED, earlier));
      }
      from = 0;
    }
  }

  private void carry(byte[] bytes, int from, int length) {
    if (carriedLength + length > carried.length) {
      carried = Arrays.copyOf(carried, Math.max(carried.length * 2, carriedLength + length));
    }
    System.arraycopy(bytes, from, carried, carriedLength, length);
    carriedLength += length;
  }

  private byte[] joined(byte[] bytes, int from, int to) {
    if (carriedLength == 0) {
      return Arrays.copyOfRange(bytes, from, to);
    }
    byte[] line = Arrays.copyOf(carried, carriedLength + to - from);
    System.arraycopy(bytes, from, line, carriedLength, to - from);
    return line;
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

  /** Throws unless the file still holds {@code expected[from, from + length)} at {@code at}. */
  private void checkUnchanged(long at, byte[] expected, int from, int length) throws IOException {
    ByteBuffer now = ByteBuffer.allocate(length);
    readFully(now, at);
    if (!Arrays.equals(now.array(), 0, length, expected, from, from + length)) {
      throw new Changed("the file was rewritten in place while being read (a copytruncate?)");
    }
  }

  private void readFully(ByteBuffer into, long position) throws IOException {
    while (into.hasRemaining()) {
      int n = channel.read(into, position + into.position());
      if (n < 0) {
        throw new Changed("the file became shorter while being read (truncated in place?)");
      }
      bytesRead += n;
    }
  }

  /** How many bytes were read from the file so far, checks included. */
  long bytesRead() {
    return bytesRead;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
