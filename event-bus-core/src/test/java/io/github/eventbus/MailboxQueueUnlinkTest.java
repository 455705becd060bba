package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chunks the consumer has left: a dead chunk that something still references (as the old
 * generation does for a young collection) keeps no later chunk alive, and a producer or a close
 * that read the queue's place before the consumer left a chunk still finds its way.
 */
class MailboxQueueUnlinkTest {

  private static final int CHUNK = MailboxQueue.CHUNK;
  private static final Route ROUTE =
      new Route(Long.class, "Long", new Subscriber[0], new TypeStats());

  /** Offers and polls {@code chunks} chunks' worth, a run ending every 256 slots as a mailbox's. */
  private static List<WeakReference<MailboxQueue.Chunk>> passThrough(MailboxQueue queue,
      int chunks) {
    List<WeakReference<MailboxQueue.Chunk>> left = new ArrayList<>();
    MailboxQueue.Cursor at = queue.cursor();
    for (long i = 0; i < (long) chunks * CHUNK; i++) {
      queue.offer(i, ROUTE, null);
      MailboxQueue.Chunk before = at.chunk;
      assertThat(queue.poll(at, null).payload).isEqualTo(i);
      if (at.chunk != before) {
        left.add(new WeakReference<>(before));
      }
      if (i % Mailbox.BATCH == Mailbox.BATCH - 1) {
        queue.store(at);
        at = queue.cursor();
      }
    }
    queue.store(at);
    return left;
  }

  @Test
  void store_aLeftChunkStillReferenced_keepsNoLaterChunkReachable() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Chunk first = queue.cursor().chunk; // held, as a dead promoted chunk would be
    List<WeakReference<MailboxQueue.Chunk>> left = passThrough(queue, 10);
    assertThat(left).hasSize(9);
    List<WeakReference<MailboxQueue.Chunk>> later = left.subList(1, left.size());

    assertThat(MailboxMemoryTest.clearedAfterGc(later)).as("chunks after the first reachable: %s",
        later.stream().filter(r -> r.get() != null).count()).isTrue();
    assertThat(first).isNotNull();
  }

  @Test
  void offer_fromAStaleTailTheConsumerLeft_goesToTheQueuesTail() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Chunk stale = queue.cursor().chunk; // a producer read the tail, then stalled
    passThrough(queue, 3);

    assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> queue.offer(stale, 42L, ROUTE, null));
    MailboxQueue.Cursor at = queue.cursor();
    assertThat(queue.poll(at, null).payload).isEqualTo(42L);
    assertThat(queue.poll(at, null)).isNull();
  }

  @Test
  void takeAllFrom_aPlaceTheConsumerLeftSince_takesEverythingLeftOnce() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Chunk stale = queue.cursor().chunk; // close read the place, then stalled
    passThrough(queue, 3);
    for (long i = 0; i < CHUNK + 5; i++) {
      queue.offer(-i, ROUTE, null);
    }

    List<Delivery> taken = new ArrayList<>();
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> queue.takeAllFrom(stale, taken));
    assertThat(taken).extracting(d -> d.payload).hasSize(CHUNK + 5).doesNotHaveDuplicates();
    assertThat(queue.poll(queue.cursor(), null)).isNull();
  }
}
