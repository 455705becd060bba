package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/**
 * Where the JVM running the tests puts a chunk's fields: the reservation count, which a producer
 * changes on every publish, must not share a 64-byte cache line with the fields a consumer reads
 * while it looks ahead ({@code slots}, {@code next}), nor with the object allocated before the
 * chunk. The padding relies on HotSpot's field layout; this test fails if a JVM lays it out
 * otherwise.
 */
class MailboxChunkLayoutTest {

  private static final int LINE = 64;

  @Test
  void reservationCount_sitsOnACacheLineOfItsOwn() throws ReflectiveOperationException {
    long reserved = offset(MailboxQueue.ChunkReserved.class, "reserved");
    long slots = offset(MailboxQueue.Chunk.class, "slots");
    long next = offset(MailboxQueue.Chunk.class, "next");

    // A line holding the count starts at most LINE - 4 bytes before it and ends at most
    // LINE - 4 bytes after its end; both ends must stay inside this object's padding.
    assertThat(reserved).as("bytes of padding before the count").isGreaterThanOrEqualTo(LINE);
    assertThat(Math.min(slots, next) - (reserved + Integer.BYTES))
        .as("bytes between the count and the fields a consumer reads")
        .isGreaterThanOrEqualTo(LINE);
  }

  @Test
  void paddedChunk_stillWorksAsAQueue() {
    MailboxQueue queue = new MailboxQueue();
    Route route = new Route(Long.class, "Long", new Subscriber[0], new TypeStats());
    for (long i = 0; i < 3L * MailboxQueue.CHUNK; i++) {
      queue.offer(i, route, null);
    }
    MailboxQueue.Cursor at = queue.cursor();
    for (long i = 0; i < 3L * MailboxQueue.CHUNK; i++) {
      assertThat(queue.poll(at, null).payload).isEqualTo(i);
    }
    assertThat(queue.poll(at, null)).isNull();
  }

  @SuppressWarnings("removal")
  private static long offset(Class<?> owner, String name) throws ReflectiveOperationException {
    Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
    theUnsafe.setAccessible(true);
    sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
    return unsafe.objectFieldOffset(owner.getDeclaredField(name));
  }
}
