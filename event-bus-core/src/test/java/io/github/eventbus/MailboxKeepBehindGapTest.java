package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A producer that has reserved a slot but is slow to write it, made deterministic: the test
 * reserves a slot by hand (as offer's getAndAdd does), publishes up to KEEP_BEHIND + 300 more
 * behind it (so the slot KEEP_BEHIND ahead may be written while the gap is not: farBehind, or the
 * gather's search for the end of the written run, gives a credit across an unwritten slot), waits
 * 0..200 us, then writes the gap. Everything must then be delivered, in order, in 10 s.
 */
class MailboxKeepBehindGapTest {

  private static final VarHandle ITEMS = MethodHandles.arrayElementVarHandle(Object[].class);

  @Test
  void reservedButUnwrittenSlot_thenWritten_everythingDeliveredInOrder() throws Exception {
    Route route = new Route(Long.class, "Long", new Subscriber[0], new TypeStats());
    AtomicLong delivered = new AtomicLong();
    List<String> errors = new CopyOnWriteArrayList<>();
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-keep-gap-w"));
    Mailbox mailbox = MailboxTest.inOrder(worker, delivered, errors);
    MailboxQueue queue = MailboxTest.queueOf(mailbox);
    Field tailField = MailboxQueue.class.getDeclaredField("tail");
    tailField.setAccessible(true);
    Field reservedField = MailboxQueue.ChunkReserved.class.getDeclaredField("reserved");
    reservedField.setAccessible(true);
    Random random = new Random(3);
    long id = 0;
    int gaps = 0;
    try {
      for (int round = 0; round < 4000; round++) {
        int before = random.nextInt(200);
        for (int i = 0; i < before; i++) {
          mailbox.enqueue(id++, route, null);
        }
        MailboxQueue.Chunk tail = (MailboxQueue.Chunk) tailField.get(queue);
        int k = reservedField.getInt(tail);
        if (k >= MailboxQueue.CHUNK) {
          continue; // the tail is full: the next offer appends; try the gap next round
        }
        reservedField.setInt(tail, k + 1); // reserved, not written (only this thread publishes)
        long gapId = id++;
        gaps++;
        int after = random.nextInt(Mailbox.KEEP_BEHIND + 300);
        for (int i = 0; i < after; i++) {
          mailbox.enqueue(id++, route, null);
        }
        TestThreads.spin(random.nextInt(200_000));
        tail.slots[3 * k + 1] = route;
        tail.slots[3 * k + 2] = null;
        ITEMS.setRelease(tail.slots, 3 * k, (Object) Long.valueOf(gapId));
        if (after == 0) {
          mailbox.enqueue(id++, route, null); // nothing scheduled the mailbox after the gap
        }
        long want = id;
        int r = round;
        assertThat(TestThreads.await(() -> delivered.get() == want, Duration.ofSeconds(10)))
            .as("round %s (gap at slot %s, %s after): %s of %s", r, k, after, delivered.get(),
                want).isTrue();
        TestThreads.spin(random.nextInt(150_000));
      }
    } finally {
      worker.shutdownNow();
    }
    assertThat(errors).isEmpty();
    assertThat(gaps).as("rounds that left a gap").isGreaterThan(1000);
  }
}
