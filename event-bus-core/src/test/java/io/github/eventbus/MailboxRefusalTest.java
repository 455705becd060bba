package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An executor that refused to start a mailbox: the refused publisher takes the queue to report it
 * only if nobody holds the mailbox by then. If another publisher's task was accepted meanwhile
 * and runs it, that thread delivers what is queued.
 */
class MailboxRefusalTest {

  record Msg(int n) {}

  @Test
  void refusedPublisher_takesNothing_whileAnotherThreadRunsTheMailbox() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Object> delivered = new CopyOnWriteArrayList<>();
    AtomicReference<List<Delivery>> taken = new AtomicReference<>();
    AtomicInteger calls = new AtomicInteger();
    Executor refusesFirst = task -> {
      if (calls.getAndIncrement() == 0) {
        throw new RejectedExecutionException("full");
      }
      new Thread(task, "mailbox-refusal-worker").start();
    };
    Route route = new Route(Msg.class, "Msg", new Subscriber[0], new TypeStats());
    Mailbox[] box = new Mailbox[1];
    box[0] = MailboxTest.standalone(new Mailbox.Deliverer() {
      @Override
      public void deliver(Subscriber s, Delivery d, Run run) {
        delivered.add(d.payload);
        if (delivered.size() == 1) {
          running.countDown();
          TestThreads.awaitQuietly(release);
        }
        run.finished();
      }

      @Override
      public void refused(Mailbox mailbox, RejectedExecutionException refusal) {
        // Between the refusal and the take, a second publisher's task is accepted and runs.
        Thread second = new Thread(() -> mailbox.enqueue(new Msg(2), route, null), "second");
        second.start();
        TestThreads.awaitQuietly(running);
        taken.set(mailbox.takeAllUnlessHeld());
        release.countDown();
      }
    }, refusesFirst);

    box[0].enqueue(new Msg(1), route, null);

    assertThat(taken.get()).isEmpty();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (delivered.size() < 2 && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait();
    }
    assertThat(delivered).containsExactly(new Msg(1), new Msg(2));
  }

  @Test
  void refusedPublisher_takesEverything_whenNobodyHoldsTheMailbox() {
    List<Object> delivered = new CopyOnWriteArrayList<>();
    AtomicReference<List<Delivery>> taken = new AtomicReference<>();
    Route route = new Route(Msg.class, "Msg", new Subscriber[0], new TypeStats());
    Mailbox mailbox = MailboxTest.standalone(new Mailbox.Deliverer() {
      @Override
      public void deliver(Subscriber s, Delivery d, Run run) {
        delivered.add(d.payload);
        run.finished();
      }

      @Override
      public void refused(Mailbox m, RejectedExecutionException refusal) {
        taken.set(m.takeAllUnlessHeld());
      }
    }, task -> {
      throw new RejectedExecutionException("shut down");
    });

    mailbox.enqueue(new Msg(1), route, null);

    assertThat(taken.get()).extracting(d -> d.payload).containsExactly(new Msg(1));
    assertThat(delivered).isEmpty();
    assertThat(mailbox.isSettled()).isTrue();
  }
}
