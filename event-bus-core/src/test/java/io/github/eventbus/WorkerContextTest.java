package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** Each delivery on a worker starts from a clean MDC and user context. */
class WorkerContextTest {

  record Item(int n) {}

  @Test
  void publish_handlerLeavesMdcBehind_nextDeliveryOnSameWorkerStartsClean() throws Exception {
    List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(400);
    try (EventBus bus = EventBus.builder().name("mdc-clean").workers(1).build()) {
      bus.subscribe(Item.class, i -> {
        Map<String, String> map = MDC.getCopyOfContextMap();
        seen.add(map == null ? Map.of() : new HashMap<>(map));
        MDC.put("leak", "from event " + i.n()); // never cleaned up by the handler
        done.countDown();
      });
      Thread publisher = new Thread(() -> {
        for (int i = 0; i < 400; i++) {
          if (i % 2 == 0) {
            MDC.put("request", "r" + i);
          } else {
            MDC.clear(); // half the events come from a publisher without MDC
          }
          bus.publish(new Item(i));
        }
        MDC.clear();
      }, "test-publisher");
      publisher.start();
      publisher.join();
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).hasSize(400);
    for (int i = 0; i < 400; i++) {
      Map<String, String> expected = i % 2 == 0 ? Map.of("request", "r" + i) : Map.of();
      assertThat(seen.get(i)).as("event %d", i).isEqualTo(expected);
    }
  }

  @Test
  void publish_userPropagatorWithClear_deliveryWithoutCapturedContextStartsClean()
      throws Exception {
    TenantPropagator tenants = new TenantPropagator();
    ThreadLocal<String> tenant = tenants.tenant;
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(2);
    try (EventBus bus = EventBus.builder().name("user-clean").workers(1)
        .contextPropagator(tenants).build()) {
      bus.subscribe(Item.class, i -> {
        seen.add(String.valueOf(tenant.get()));
        tenant.set("left behind by " + i.n());
        done.countDown();
      });
      tenant.set("acme");
      bus.publish(new Item(1));
      tenant.remove();
      bus.publish(new Item(2));
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).containsExactly("acme", "null");
  }
}
