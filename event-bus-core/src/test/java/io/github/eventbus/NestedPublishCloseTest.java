package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Subscription#close()} waits for a handler that is still running, even while that handler
 * sits inside a publish of its own: the delivery it is making covers the outer handler too.
 */
class NestedPublishCloseTest {

  record Outer(int n) {}

  record Inner(int n) {}

  @ParameterizedTest(name = "outer publish sync: {0}")
  @ValueSource(booleans = {true, false})
  void close_whileTheHandlerIsInsideItsOwnPublishSync_waitsUntilTheHandlerReturns(boolean sync)
      throws Exception {
    CountDownLatch innerRunning = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean outerReturned = new AtomicBoolean();
    try (EventBus bus = EventBus.builder().name("nested-close").workers(1).build()) {
      Subscription outer = bus.subscribe(Outer.class, o -> {
        bus.publishSync(new Inner(o.n()));
        outerReturned.set(true);
      });
      bus.subscribe(Inner.class, i -> {
        innerRunning.countDown();
        TestThreads.awaitIgnoringInterrupts(release);
      });
      CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
        if (sync) {
          bus.publishSync(new Outer(1));
        } else {
          bus.publish(new Outer(1));
        }
      });
      assertThat(innerRunning.await(20, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Boolean> returnedWhenClosed = CompletableFuture.supplyAsync(() -> {
        outer.close();
        return outerReturned.get();
      });
      // Without the fix close() returns at once; with it, it waits for the release below.
      try {
        returnedWhenClosed.get(300, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException stillWaiting) {
        // expected: the outer handler is still running
      }
      release.countDown();
      assertThat(returnedWhenClosed.get(20, TimeUnit.SECONDS))
          .as("the outer handler had returned when close() returned")
          .isTrue();
      publisher.get(20, TimeUnit.SECONDS);
    }
  }
}
