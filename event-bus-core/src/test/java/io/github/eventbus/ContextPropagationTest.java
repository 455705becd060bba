package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class ContextPropagationTest {

  record Job(int n) {}

  @AfterEach
  void clearMdc() {
    MDC.clear();
  }

  @Test
  void mdc_isCarriedToTheWorker_withCorrelationId_andGoneAfterwards() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(200);
    try (EventBus bus = EventBus.builder().name("mdc").workers(2).build()) {
      bus.subscribe(Job.class, job -> {
        seen.add(job.n() + ":" + Thread.currentThread().getName().startsWith("mdc-worker-") + ":"
            + MDC.get("request") + ":" + MDC.get("correlation_id"));
        done.countDown();
      });
      for (int i = 0; i < 200; i++) {
        if (i % 2 == 0) {
          MDC.put("request", "r-" + i);
          bus.publish(new Job(i), Metadata.builder().correlationId("c-" + i).build());
          MDC.clear();
        } else {
          bus.publish(new Job(i)); // published without context: the worker must show none
        }
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    for (int i = 0; i < 200; i++) {
      String expected = i % 2 == 0
          ? i + ":true:r-" + i + ":c-" + i
          : i + ":true:null:null";
      assertThat(seen).contains(expected);
    }
  }

  @Test
  void mdc_aHandlerLeavesBehind_isGoneBeforeTheNextDelivery() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(100);
    try (EventBus bus = EventBus.builder().name("mdc-left").workers(1).build()) {
      bus.subscribe(Job.class, job -> {
        seen.add(job.n() + ":" + MDC.get("left") + ":" + MDC.get("request"));
        MDC.put("left", "by-" + job.n()); // never removed
        done.countDown();
      });
      for (int i = 0; i < 100; i++) {
        if (i % 3 == 0) {
          MDC.put("request", "r-" + i);
          bus.publish(new Job(i));
          MDC.clear();
        } else {
          bus.publish(new Job(i));
        }
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    for (int i = 0; i < 100; i++) {
      assertThat(seen).contains(i + ":null:" + (i % 3 == 0 ? "r-" + i : "null"));
    }
  }

  @Test
  void mdc_codeRunAfterADelivery_leavesNothingForTheNext() throws Exception {
    // The exception handler and a tracked publish's callback run on the worker after the
    // handler's context was undone; what they leave in the MDC must not reach the next handler.
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(60);
    Thread publisher = Thread.currentThread();
    try (EventBus bus = EventBus.builder().name("mdc-after").workers(1)
        .exceptionHandler((error, context) -> MDC.put("left", "by-exception-handler")).build()) {
      bus.subscribe(Job.class, job -> {
        seen.add(job.n() + ":" + MDC.get("left"));
        done.countDown();
        if (job.n() % 3 == 0) {
          throw new IllegalStateException("fails on purpose");
        }
      });
      for (int i = 0; i < 60; i++) {
        if (i % 3 == 1) {
          bus.publishAndTrack(new Job(i)).whenComplete((report, e) -> {
            if (Thread.currentThread() != publisher) { // an already completed one runs here
              MDC.put("left", "by-callback");
            }
          });
        } else {
          bus.publish(new Job(i));
        }
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    for (int i = 0; i < 60; i++) {
      assertThat(seen).contains(i + ":null");
    }
  }

  @Test
  void mdc_aHandlerLeavesBehind_isGoneFromTheWorkerAfterTheDelivery() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (EventBus bus = EventBus.builder().executor(pool).build()) {
      CountDownLatch handled = new CountDownLatch(1);
      bus.subscribe(Job.class, job -> {
        MDC.put("left", "behind"); // never removed
        handled.countDown();
      });
      bus.publish(new Job(1));
      assertThat(handled.await(10, TimeUnit.SECONDS)).isTrue();
      // The pool's next task runs on the same thread, after the delivery has ended.
      assertThat(pool.submit(() -> MDC.getCopyOfContextMap()).get(10, TimeUnit.SECONDS)).isNull();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void correlationId_isInMdcDuringSyncHandlers_andRemovedAfter() {
    String[] inside = new String[1];
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe(Job.class, job -> inside[0] = MDC.get("correlation_id"));
      bus.publishSync(new Job(1), Metadata.builder().correlationId("sync-1").build());
    }
    assertThat(inside[0]).isEqualTo("sync-1");
    assertThat(MDC.get("correlation_id")).isNull();
  }

  @Test
  void userPropagator_carriesAThreadLocal_andRestoresTheWorker() throws Exception {
    ThreadLocal<String> trace = new ThreadLocal<>();
    ContextPropagator traces = new ContextPropagator() {
      @Override
      public Object capture() {
        return trace.get();
      }

      @Override
      public Runnable restore(Object captured) {
        String before = trace.get();
        trace.set((String) captured);
        return () -> trace.set(before);
      }
    };
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(2);
    try (EventBus bus = EventBus.builder().workers(1).contextPropagator(traces).build()) {
      bus.subscribe(Job.class, job -> {
        seen.add(job.n() + "=" + trace.get());
        done.countDown();
      });
      trace.set("trace-A");
      bus.publish(new Job(1));
      trace.remove();
      bus.publish(new Job(2));
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).containsExactly("1=trace-A", "2=null");
  }

  @Test
  void propagateMdcOff_carriesNothing() throws Exception {
    List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().propagateMdc(false).build()) {
      bus.subscribe(Job.class, job -> {
        Map<String, String> map = MDC.getCopyOfContextMap();
        seen.add(map == null ? Map.of() : map);
        done.countDown();
      });
      MDC.put("request", "r-1");
      bus.publish(new Job(1), Metadata.builder().correlationId("c-1").build());
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).singleElement().satisfies(m -> assertThat(m).isEmpty());
  }
}
