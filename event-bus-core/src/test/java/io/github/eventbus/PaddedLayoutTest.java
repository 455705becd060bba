package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where the JVM running the tests puts the fields of the padded objects: those that publishers
 * read or write on every publish (a mailbox, its queue, a chunk's reservation count) and a
 * thread's slot, which its thread writes on every delivery. No other object may share a 64-byte
 * cache line with them, wherever the allocator or the garbage collector puts them. The padding
 * relies on HotSpot's field layout; these tests fail if a JVM lays it out otherwise.
 */
class PaddedLayoutTest {

  private static final int LINE = 64;

  @Test
  void mailbox_fieldsSitBetweenPadding() throws ReflectiveOperationException {
    assertPadded(Mailbox.Padded.class, Mailbox.class);
  }

  @Test
  void mailboxQueue_fieldsSitBetweenPadding() throws ReflectiveOperationException {
    assertPadded(MailboxQueue.Padded.class, MailboxQueue.class);
  }

  @Test
  void slot_fieldsSitBetweenPadding() throws ReflectiveOperationException {
    assertPadded(InFlight.Slot.Padded.class, InFlight.Slot.class);
  }

  @Test
  void reservationCount_sitsOnACacheLineOfItsOwn() throws ReflectiveOperationException {
    long reserved = offset(MailboxQueue.ChunkReserved.class.getDeclaredField("reserved"));
    long slots = offset(MailboxQueue.Chunk.class.getDeclaredField("slots"));
    long next = offset(MailboxQueue.Chunk.class.getDeclaredField("next"));

    // A line holding the count starts at most LINE - 4 bytes before it and ends at most
    // LINE - 4 bytes after its end; both ends must stay inside this object's padding.
    assertThat(reserved).as("bytes of padding before the count").isGreaterThanOrEqualTo(LINE);
    assertThat(Math.min(slots, next) - (reserved + Integer.BYTES))
        .as("bytes between the count and the fields a consumer reads")
        .isGreaterThanOrEqualTo(LINE);
  }

  @Test
  void paddedChunk_stillWorksAsAQueue() {
    MailboxQueue queue = MailboxQueue.create();
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

  /**
   * Asserts that each field declared in {@code fields} has at least a line's worth of the
   * {@code concrete} object (its header and padding) before it and after it.
   */
  private static void assertPadded(Class<?> concrete, Class<?> fields)
      throws ReflectiveOperationException {
    long end = 0;
    for (Field f : instanceFields(concrete)) {
      end = Math.max(end, offset(f) + bytes(f));
    }
    List<Field> padded = new ArrayList<>();
    for (Field f : fields.getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers())) {
        padded.add(f);
      }
    }
    assertThat(padded).as("fields of %s", fields.getSimpleName()).isNotEmpty();
    for (Field f : padded) {
      assertThat(offset(f)).as("bytes before %s", f.getName()).isGreaterThanOrEqualTo(LINE);
      assertThat(end - offset(f) - bytes(f)).as("bytes after %s", f.getName())
          .isGreaterThanOrEqualTo(LINE);
    }
  }

  private static List<Field> instanceFields(Class<?> type) {
    List<Field> all = new ArrayList<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers())) {
          all.add(f);
        }
      }
    }
    return all;
  }

  private static int bytes(Field f) {
    Class<?> t = f.getType();
    if (t == long.class || t == double.class) {
      return 8;
    }
    if (t == byte.class || t == boolean.class) {
      return 1;
    }
    if (t == short.class || t == char.class) {
      return 2;
    }
    return 4; // int, float, and a reference (compressed, as with heaps under 32 GB)
  }

  @SuppressWarnings("removal")
  private static long offset(Field field) throws ReflectiveOperationException {
    Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
    theUnsafe.setAccessible(true);
    sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
    return unsafe.objectFieldOffset(field);
  }
}
