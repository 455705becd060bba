package io.github.eventbus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * The queue of a {@link Mailbox}: a multi-producer, single-consumer list of fixed-size chunks of
 * slots. A publish reserves a slot with one atomic add on the tail chunk and writes the payload and
 * its route into it, so the common delivery (no tracker, no captured context) allocates nothing of
 * its own; a full {@link Delivery} takes a slot only when it carries more (a retry, a tracked
 * publish, a captured context). A payload costs its share of a chunk, about 14 bytes, where a
 * delivery object costs 56; an idle queue holds one chunk of about 1.7 KB (two once the next one
 * has been appended ahead of need), and no payload, envelope or route of a delivery it has handed
 * out.
 *
 * <p>A slot is taken exactly once, by the consumer or by {@link #takeAllFrom close}, with one
 * compare-and-set that replaces its item with {@link #TAKEN}: that is what lets close report the
 * rest of a queue while a handler that never returns holds the consumer's place.
 *
 * <p>Only the thread holding the mailbox's RUNNING state consumes ({@link #cursor}, {@link #poll},
 * {@link #store}); producers may call {@link #offer} from any thread.
 *
 * <p>Every publish reads the tail, so the queue's fields sit between padding (see
 * {@link Mailbox}, which is padded for the same reason); {@link #create} makes one.
 */
abstract class MailboxQueue extends PaddedBefore {

  static final int CHUNK = 128;
  private static final int APPEND_AT = CHUNK / 2;
  /**
   * How far before the last reserved slot {@link #writtenAhead} looks for a write: with a slot of
   * three references (12 bytes, or 24 without compressed pointers), two 64-byte cache lines or
   * more (one or more of 128 bytes).
   */
  static final int LOOK_BEHIND = 12;
  /** What a taken slot holds; never a payload, which users cannot construct. */
  private static final Object TAKEN = new Object();
  private static final VarHandle ITEMS = MethodHandles.arrayElementVarHandle(Object[].class);
  private static final VarHandle TAIL =
      VarHandles.field(MethodHandles.lookup(), MailboxQueue.class, "tail", Chunk.class);

  // The padding around it (PaddedBefore, then ChunkPadAfter) puts a chunk's reservation count on
  // a cache line of its own. A producer changes the count on every publish; the consumer reads the
  // chunk's other fields, `slots` and `next`, as it takes slots and looks ahead. Sharing a line,
  // each of those reads took the line from the producer and cost its next publish a cache miss. A
  // waiting consumer's look reads the count itself, once (see writtenAhead).

  /** A chunk's reservation count. */
  abstract static class ChunkReserved extends PaddedBefore {
    volatile int reserved; // slots handed to producers; may run past CHUNK
  }

  /** Padding after a chunk's reservation count. */
  @SuppressWarnings("unused")
  abstract static class ChunkPadAfter extends ChunkReserved {
    int g1;
    long q0, q1, q2, q3, q4, q5, q6, q7;
  }

  /**
   * A run of slots. Producers reserve in {@code reserved}; the consumer follows {@code next}, which
   * points to the chunk itself once a run that left it has ended (see {@link MailboxQueue#store}).
   * The consumer's looks ({@link MailboxQueue#hasWritten} and the rest) are for a cursor at or past
   * the stored place, which never stands on such a chunk.
   */
  static final class Chunk extends ChunkPadAfter {
    private static final VarHandle RESERVED =
        VarHandles.field(MethodHandles.lookup(), ChunkReserved.class, "reserved", int.class);
    private static final VarHandle NEXT =
        VarHandles.field(MethodHandles.lookup(), Chunk.class, "next", Chunk.class);

    // Slot k is three elements from 3k: the item (null until written, a payload, a Delivery, or
    // TAKEN), then for a payload its route and its envelope (null if not stamped). One array: a
    // chunk is one allocation, and a slot's parts share a cache line.
    final Object[] slots = new Object[CHUNK * 3];
    private volatile Chunk next;

    /** The next chunk, appending one if there is none yet. */
    Chunk nextOrAppend() {
      Chunk n = next;
      if (n == null) {
        Chunk fresh = new Chunk();
        Chunk raced = (Chunk) NEXT.compareAndExchange(this, (Chunk) null, fresh);
        n = raced == null ? fresh : raced;
      }
      return n;
    }

    /**
     * Whether a producer has reserved slot {@code k} of this chunk; for {@code k == CHUNK}, whether
     * one has reserved a slot of the next chunk. (Not whether one has reserved past the end of this
     * one: that producer may fail to append the next chunk, and nobody should wait for it.)
     */
    boolean reservedPast(int k) {
      if (k < CHUNK) {
        return reserved > k;
      }
      Chunk n = next;
      return n != null && n.reserved > 0;
    }

    Object itemAt(int k) {
      return MailboxQueue.itemAt(slots, k);
    }
  }

  // The slot operations take the chunk's array rather than the chunk: the consumer keeps the array
  // in its cursor, so that taking a slot never reads the chunk object, whose `reserved` every
  // publish changes. Only a waiting consumer's look reads it, on purpose (see writtenAhead).

  private static Object itemAt(Object[] slots, int k) {
    return ITEMS.getAcquire(slots, 3 * k);
  }

  /** Takes slot {@code k} if it still holds {@code item}; true for exactly one caller. */
  private static boolean take(Object[] slots, int k, Object item) {
    return item != TAKEN && ITEMS.compareAndSet(slots, 3 * k, item, TAKEN);
  }

  /** The delivery of the item taken from slot {@code k}; a payload's in {@code into}, if given. */
  private static Delivery delivery(Object[] slots, int k, Object item, Delivery into) {
    if (item instanceof Delivery queued) {
      return queued;
    }
    Route route = (Route) slots[3 * k + 1];
    Event<?> event = (Event<?>) slots[3 * k + 2];
    // The chunk may stay a mailbox's head for a long while: it keeps neither the envelope nor
    // the route, whose targets are every subscriber of the type, closed ones included.
    slots[3 * k + 1] = null;
    if (event != null) {
      slots[3 * k + 2] = null;
    }
    return into != null ? into.reuse(item, route, event)
        : Delivery.firstAttempt(item, route, event);
  }

  /** The consumer's place: a chunk and the next slot in it. */
  static final class Cursor {
    Chunk chunk;
    Object[] slots; // the chunk's
    int index;
    /**
     * How many more slots the consumer may take before it looks again how far ahead the
     * producers are; see {@link Mailbox}. Carried from one run to the next.
     */
    int credit;
    /**
     * How many deliveries the consumer made since it last waited, up to {@link Mailbox#STREAM};
     * see {@link Mailbox}. Carried from one run to the next.
     */
    int taken;

    private Cursor(Chunk chunk, int index, int credit, int taken) {
      this.chunk = chunk;
      this.slots = chunk.slots;
      this.index = index;
      this.credit = credit;
      this.taken = taken;
    }
  }

  private volatile Chunk tail;
  // Where the consumer stopped last. A run moves a Cursor of its own (in its thread's memory) and
  // stores it here once at the end: a store per delivery would dirty the line that holds the tail,
  // which every publish reads. The chunk is volatile so that close can walk the queue from it
  // while a handler that never returns holds the mailbox; a stale chunk only makes that walk
  // longer, as every slot before the consumer's place is taken.
  private volatile Chunk head;
  private int headIndex;
  private int headCredit = Integer.MAX_VALUE;
  private int headTaken;

  private MailboxQueue() {
    Chunk first = new Chunk();
    this.head = first;
    this.tail = first;
  }

  /** An empty queue. */
  static MailboxQueue create() {
    return new Padded();
  }

  /** Padding after the queue's fields. */
  @SuppressWarnings("unused")
  static final class Padded extends MailboxQueue {
    int g1;
    long q0, q1, q2, q3, q4, q5, q6, q7;
  }

  /** The consumer's place, for the thread that holds the mailbox. */
  Cursor cursor() {
    return new Cursor(head, headIndex, headCredit, headTaken);
  }

  /**
   * Stores the consumer's place at the end of a run, and unlinks the chunks it left: each then
   * points to itself. A chunk that was in the queue during a young collection can be promoted to
   * the old generation and die there; until an old-generation collection finds it dead, a young
   * collection takes it for alive, and through its {@code next} every chunk after it, for ever
   * (each such collection promotes them too). In a harness of the 1-to-1 benchmark (200 batches
   * per JVM) this happened in some JVMs and not in others: every young collection copied every
   * chunk allocated since the last (tens of megabytes, pauses of 20 to 75 ms) and about a batch in
   * five took over 1.5 times the median.
   */
  void store(Cursor at) {
    Chunk left = head;
    headIndex = at.index;
    headCredit = at.credit;
    headTaken = at.taken;
    head = at.chunk;
    // After the head's write: whoever meets a self-link finds the head past that chunk.
    // The cursor came from the stored place and only moved on, so this reaches it; the checks on
    // n only keep a mistaken caller from walking off the list or round a self-link.
    for (Chunk c = left; c != at.chunk; ) {
      Chunk n = c.next;
      if (n == null || n == c) {
        break;
      }
      c.next = c;
      c = n;
    }
  }

  /**
   * Queues a payload with its route and envelope (null if not stamped), or a {@link Delivery}.
   * Returns the chunk the caller should call {@link #appendAfter} on once it has scheduled the
   * consumer (one producer per chunk, halfway through it), else null.
   */
  Chunk offer(Object item, Route route, Event<?> event) {
    return offer(tail, item, route, event);
  }

  /** As {@link #offer(Object, Route, Event)}, for a producer that read the tail as {@code c}. */
  Chunk offer(Chunk c, Object item, Route route, Event<?> event) {
    while (true) {
      int k = (int) Chunk.RESERVED.getAndAdd(c, 1);
      if (k < CHUNK) {
        if (route != null) {
          c.slots[3 * k + 1] = route;
          c.slots[3 * k + 2] = event;
        }
        ITEMS.setRelease(c.slots, 3 * k, item);
        return k == APPEND_AT ? c : null;
      }
      Chunk n = c.nextOrAppend();
      if (n == c) {
        // The consumer has left this chunk, so a producer has moved the tail past it.
        c = tail;
        continue;
      }
      TAIL.compareAndSet(this, c, n); // whoever gets here first moves the tail on
      c = n;
    }
  }

  /**
   * Appends the chunk after {@code c} ahead of need, so that the producers crossing over to it
   * rarely allocate. Apart from {@link #offer} so that an allocation failure here cannot leave a
   * queued item unscheduled.
   */
  void appendAfter(Chunk c) {
    c.nextOrAppend();
  }

  /**
   * Whether a producer has reserved a slot the consumer has not reached; after the caller's
   * volatile write of the IDLE state, this cannot miss a producer that saw RUNNING.
   */
  boolean pending(Cursor at) {
    return at.chunk.reservedPast(at.index);
  }

  /**
   * Whether the slot {@code ahead} places past the consumer's next one has been written (or taken
   * by close): a cheap look for a waiting consumer. A written slot stays written, and every slot
   * before it has been reserved, so the consumer can take that many without finding the queue
   * empty (at worst it waits a moment for a reserved slot's write).
   */
  boolean hasWritten(Cursor at, int ahead) {
    int k = at.index + ahead;
    if (k < CHUNK) {
      return itemAt(at.slots, k) != null;
    }
    Chunk c = at.chunk;
    do {
      c = c.next;
      k -= CHUNK;
    } while (c != null && k >= CHUNK);
    return c != null && c.itemAt(k) != null;
  }

  /**
   * A cheap look for a waiting consumer: how many slots from its next one on it can take without
   * finding the queue empty, up to {@code max}; 0 if its next slot is not written, else at least 1.
   * It may count up to {@link #LOOK_BEHIND} fewer than {@link #writtenRun} would; with one
   * producer, the count never goes down as it publishes more. Like {@link #writtenRun}, it may
   * count past a slot reserved and not yet written (several producers, one of them slow):
   * {@link #poll} waits for it.
   *
   * <p>A consumer looks while producers write just ahead of it, and every line of a chunk it reads
   * that a producer has yet to write costs that producer a cache miss when it does. So it reads its
   * next slot first, and nothing more if that is not written (a caught-up consumer waiting for the
   * next event); then the slot {@code LOOK_BEHIND} places on, and if that is not written either, it
   * counts the few written among the slots before it. Only with more written does it read where
   * producers have reserved up to (the line every publish changes) and the slot {@code LOOK_BEHIND}
   * places before the last reserved one, in lines they are done with: if that is written, every
   * slot up to there has been reserved, and the count ends there. Otherwise it counts as
   * {@link #writtenRun} does. (Reading the reservation count at every look made the median from
   * publish to handler, back to back, 2.5 microseconds in three JVMs of five; at every look that
   * found the next slot written, in one of four; the build before 0.57 to 0.95 in eleven.) It used
   * to search up to {@code max} slots ahead, several of them in lines a producer was about to
   * write: in the 1-to-1 async benchmark, interleaved runs against that search over three versions
   * of this look (21 pairs) gave medians 2 to 5% lower; batches over 1.5x their run's median were
   * not clearly fewer.
   */
  int writtenAhead(Cursor at, int max) {
    if (max <= 0 || !hasWritten(at, 0)) {
      return 0;
    }
    if (max <= LOOK_BEHIND || !hasWritten(at, LOOK_BEHIND)) {
      return search(at, Math.min(max, LOOK_BEHIND)); // a few written, in a line or two
    }
    int reserved = reservedAhead(at, Math.min(max, Integer.MAX_VALUE - LOOK_BEHIND) + LOOK_BEHIND);
    int settled = Math.min(max, Math.max(LOOK_BEHIND, reserved - LOOK_BEHIND));
    if (hasWritten(at, settled - 1)) {
      return settled;
    }
    return search(at, Math.min(max, reserved));
  }

  /**
   * How many slots from the consumer's next one on can be taken without finding the queue empty,
   * up to {@code max}: one past the last written slot that a binary search among the reserved
   * ones finds; 0 if the next one is not written. With several producers a slot before it may be
   * reserved and not yet written; {@link #poll} waits for it. It reads the lines producers are
   * writing: for a consumer whose producers have paused, or a count of a few slots.
   */
  int writtenRun(Cursor at, int max) {
    return search(at, reservedAhead(at, max));
  }

  /** The binary search of {@link #writtenRun} among the first {@code bound} slots. */
  private int search(Cursor at, int bound) {
    if (bound <= 0 || !hasWritten(at, 0)) {
      return 0;
    }
    int known = 1; // slots known takeable
    int beyond = bound + 1; // a count known too large
    while (beyond - known > 1) {
      int mid = (known + beyond) >>> 1;
      if (hasWritten(at, mid - 1)) {
        known = mid;
      } else {
        beyond = mid;
      }
    }
    return known;
  }

  /**
   * How many slots from the consumer's next one on producers have reserved, up to {@code max}:
   * reads the reservation count of each chunk from the consumer's to the first one not full.
   */
  int reservedAhead(Cursor at, int max) {
    Chunk c = at.chunk;
    int start = -at.index; // where c's first slot is, counted from the consumer's next one
    while (true) {
      int r = Math.min(c.reserved, CHUNK);
      if (r < CHUNK || start + CHUNK >= max) {
        return Math.max(0, Math.min(start + r, max));
      }
      Chunk n = c.next;
      if (n == null) {
        return Math.min(start + CHUNK, max);
      }
      c = n;
      start += CHUNK;
    }
  }

  /**
   * Takes the consumer's next item, skipping slots close took: a queued {@link Delivery}, or a
   * payload's fields in {@code scratch} (a new delivery if {@code scratch} is null). Returns null
   * if no producer has reserved a slot past the consumer.
   */
  Delivery poll(Cursor at, Delivery scratch) {
    while (true) {
      Object[] slots = at.slots;
      int k = at.index;
      if (k == CHUNK) {
        Chunk c = at.chunk;
        if (!c.reservedPast(k)) {
          return null;
        }
        c = c.next;
        slots = c.slots;
        k = 0;
        at.chunk = c;
        at.slots = slots;
        at.index = 0;
      }
      Object item = itemAt(slots, k);
      if (item == null) {
        if (!at.chunk.reservedPast(k)) {
          return null;
        }
        while ((item = itemAt(slots, k)) == null) {
          Thread.onSpinWait(); // reserved a moment ago; the write is about to land
        }
      }
      at.index = k + 1;
      if (take(slots, k, item)) {
        return delivery(slots, k, item, scratch);
      }
    }
  }

  /**
   * Takes every item left, walking from the consumer's chunk while another thread may hold the
   * consumer's place (close with a handler that never returns). Slots the consumer took are
   * skipped; each slot is taken once, by one of the two. A slot reserved in a chunk after this walk
   * has left it stays for the consumer, so with producers still racing, the items taken are not
   * necessarily the front of the queue.
   */
  void takeAllFrom(List<Delivery> into) {
    takeAllFrom(head, into);
  }

  /** As {@link #takeAllFrom(List)}, for a walk that read the consumer's place as {@code c}. */
  void takeAllFrom(Chunk c, List<Delivery> into) {
    while (true) {
      int end = Math.min(c.reserved, CHUNK);
      for (int k = 0; k < end; k++) {
        Object item;
        while ((item = itemAt(c.slots, k)) == null) {
          Thread.onSpinWait(); // reserved a moment ago; the write is about to land
        }
        if (take(c.slots, k, item)) {
          into.add(delivery(c.slots, k, item, null));
        }
      }
      Chunk n = c.next;
      // A self-link: the consumer has left the chunk, and stored a place past it to go on from.
      c = n == c ? head : n;
      if (c == null) {
        return;
      }
    }
  }
}
