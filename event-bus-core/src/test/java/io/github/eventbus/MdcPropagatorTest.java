package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * Hostile cases for the per-run MDC reuse (Run.emptiedBy, MdcPropagator.CLEAR_IF_SET): user
 * code that runs on a worker outside the handler itself (interceptors, the exception handler,
 * retries, dead-letter subscribers, completion callbacks, nested publishes) leaves MDC entries
 * behind; no handler published without MDC may see them, and no user executor thread may keep
 * them after the bus's task.
 */
class MdcPropagatorTest {

  /** {@code req} is the MDC value the publisher had, or null for a publisher without MDC. */
  record Item(int n, String req) {}

  record Nested(int n) {}

  private static Map<String, String> mdc() {
    Map<String, String> map = MDC.getCopyOfContextMap();
    return map == null ? Map.of() : new HashMap<>(map);
  }

  @Test
  void userCodeAroundHandlersLeavesMdc_handlersPublishedWithoutMdcSeeNone()
      throws Exception {
    int events = 3000;
    List<String> wrong = new CopyOnWriteArrayList<>();
    Map<Integer, Boolean> failedOnce = new ConcurrentHashMap<>();
    CountDownLatch seen = new CountDownLatch(events);
    EventInterceptor dirty = new EventInterceptor() {
      @Override
      public void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {
        MDC.put("interceptor", "after"); // left behind on the worker
      }
    };
    try (EventBus bus = EventBus.builder().name("t-mdc-1").workers(1)
        .interceptor(dirty)
        .exceptionHandler((e, c) -> MDC.put("exceptionHandler", "x"))
        .reentrantDispatch(ReentrantDispatch.QUEUED)
        .build()) {
      bus.subscribe(DeadLetter.class, d -> MDC.put("deadLetter", "x"));
      bus.subscribe(Nested.class, n -> MDC.put("nested", "x"));
      bus.on(Item.class).retry(RetryPolicy.builder().maxAttempts(2)
          .initialDelay(Duration.ofMillis(1)).build()).subscribe(i -> {
            Map<String, String> m = mdc();
            Map<String, String> expected = i.req() == null ? Map.of() : Map.of("req", i.req());
            if (!m.equals(expected)) {
              wrong.add("event " + i.n() + " saw " + m + " expected " + expected);
            }
            MDC.put("handler", "left");
            if (i.n() % 7 == 0) {
              bus.publishSync(new Nested(i.n()));
            }
            if (i.n() % 11 == 0 && failedOnce.putIfAbsent(i.n(), true) == null) {
              throw new IllegalStateException("fail once " + i.n());
            }
            if (i.n() % 13 == 0) {
              throw new IllegalStateException("always " + i.n()); // dead-lettered after retry
            }
            seen.countDown();
          });
      for (int i = 0; i < events; i++) {
        String req = i % 3 == 0 ? "r" + i : null;
        MDC.clear(); // a completion callback may have run on this thread
        if (req != null) {
          MDC.put("req", req);
        }
        if (i % 5 == 0) {
          bus.publishAndTrack(new Item(i, req)).thenRun(() -> MDC.put("callback", "x"));
        } else {
          bus.publish(new Item(i, req));
        }
      }
      MDC.clear();
      // events % 13 == 0 never count down
      long always = java.util.stream.IntStream.range(0, events).filter(n -> n % 13 == 0).count();
      for (long k = 0; k < always; k++) {
        seen.countDown();
      }
      assertThat(seen.await(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void userExecutor_threadKeepsNoMdcAfterBusTasks() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-user"));
    try {
      for (int round = 0; round < 200; round++) {
        CountDownLatch done = new CountDownLatch(20);
        List<String> wrong = new CopyOnWriteArrayList<>();
        try (EventBus bus = EventBus.builder().name("t-mdc-2").executor(pool)
            .interceptor(new EventInterceptor() {
              @Override
              public void afterDelivery(Event<?> e, Subscription s, Throwable f) {
                MDC.put("interceptor", "after");
              }
            }).build()) {
          bus.subscribe(Item.class, i -> {
            Map<String, String> expected = i.req() == null ? Map.of() : Map.of("req", i.req());
            if (!mdc().equals(expected)) {
              wrong.add("event " + i.n() + " saw " + mdc());
            }
            MDC.put("handler", "left");
            done.countDown();
          });
          for (int i = 0; i < 20; i++) {
            String req = (i + round) % 4 == 0 ? "r" + i : null;
            if (req != null) {
              MDC.put("req", req);
            } else {
              MDC.clear();
            }
            bus.publish(new Item(i, req));
          }
          MDC.clear();
          assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        Map<String, String> after = pool.submit(MdcPropagatorTest::mdc).get();
        assertThat(after).as("round %d", round).isEmpty();
        assertThat(wrong).as("round %d", round).isEmpty();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentSubscriptionAndCustomPropagator_noLeak() throws Exception {
    TenantPropagator tenants = new TenantPropagator();
    ThreadLocal<String> tenant = tenants.tenant;
    int events = 2000;
    List<String> wrong = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(2 * events);
    try (EventBus bus = EventBus.builder().name("t-mdc-3").workers(2)
        .contextPropagator(tenants).build()) {
      EventHandler<Item> check = i -> {
        Map<String, String> expected = i.req() == null ? Map.of() : Map.of("req", i.req());
        if (!mdc().equals(expected)) {
          wrong.add("event " + i.n() + " saw " + mdc());
        }
        if (!java.util.Objects.equals(tenant.get(), i.req())) {
          wrong.add("event " + i.n() + " tenant " + tenant.get());
        }
        MDC.put("handler", "left");
        tenant.set("left");
        done.countDown();
      };
      bus.on(Item.class).concurrent().subscribe(check);
      bus.subscribe(Item.class, check);
      for (int i = 0; i < events; i++) {
        String req = i % 2 == 0 ? "r" + i : null;
        if (req != null) {
          MDC.put("req", req);
          tenant.set(req);
        } else {
          MDC.clear();
          tenant.remove();
        }
        bus.publish(new Item(i, req));
      }
      MDC.clear();
      tenant.remove();
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void propagateMdcOff_handlerSeesWhatItLeft_butBusStillConsistent() throws Exception {
    // With propagation off the bus does not touch the MDC at all: documents the behaviour the
    // optimisation must not change (the handler's own leftovers stay on its thread).
    CountDownLatch done = new CountDownLatch(2);
    List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("t-mdc-4").workers(1).propagateMdc(false)
        .build()) {
      bus.subscribe(Item.class, i -> {
        seen.add(mdc());
        MDC.put("handler", "left" + i.n());
        done.countDown();
      });
      MDC.put("req", "r");
      bus.publish(new Item(0, "r"));
      bus.publish(new Item(1, "r"));
      MDC.clear();
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen.get(0)).doesNotContainKey("req");
    assertThat(Optional.ofNullable(seen.get(1).get("req"))).isEmpty();
  }

  @Test
  void callerRunsPublisherRunsQueue_publisherMdcKeptAndHandlersSeeTheirOwn()
      throws Exception {
    int perPublisher = 3000;
    List<String> wrong = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(2 * perPublisher);
    try (EventBus bus = EventBus.builder().name("t-mdc-5").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.CALLER_RUNS).build()) {
      bus.subscribe(Item.class, i -> {
        Map<String, String> expected = i.req() == null ? Map.of() : Map.of("req", i.req());
        if (!mdc().equals(expected)) {
          wrong.add("event " + i.n() + " on " + Thread.currentThread().getName() + " saw "
              + mdc());
        }
        MDC.put("handler", "left");
        done.countDown();
      });
      Thread withMdc = new Thread(() -> {
        for (int i = 0; i < perPublisher; i++) {
          MDC.put("req", "p" + i);
          bus.publish(new Item(i, "p" + i));
          if (!mdc().equals(Map.of("req", "p" + i))) {
            wrong.add("publisher with MDC has " + mdc() + " after event " + i);
          }
        }
      }, "t-with-mdc");
      Thread without = new Thread(() -> {
        for (int i = 0; i < perPublisher; i++) {
          bus.publish(new Item(perPublisher + i, null));
          if (!mdc().isEmpty()) {
            wrong.add("publisher without MDC has " + mdc() + " after event " + i);
            MDC.clear();
          }
        }
      }, "t-without-mdc");
      withMdc.start();
      without.start();
      withMdc.join();
      without.join();
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(wrong).isEmpty();
  }
}
