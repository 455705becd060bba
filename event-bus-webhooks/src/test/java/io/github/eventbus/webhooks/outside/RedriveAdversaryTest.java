package io.github.eventbus.webhooks.outside;

import static io.github.eventbus.webhooks.outside.WebhookClientPromisesTest.message;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.TestThreads;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.webhooks.DeliveryOutcome;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookDelivery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Adversary probe of the synchronized redrive: three threads re-drive the same dead ids (in
 * shuffled orders) while a fourth closes the client. Each dead delivery is sent again at most
 * once, redrive throws nothing but IllegalStateException, and every future it returned
 * completes.
 */
class RedriveAdversaryTest {

  @TempDir Path dir;

  static IntStream seeds() {
    return IntStream.rangeClosed(1, 4);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @Timeout(120)
  void redrivesRacingEachOtherAndClose_eachDeadDeliveryOnce_everyFutureCompletes(int seed)
      throws Exception {
    Random random = new Random(seed);
    for (int round = 0; round < 4; round++) {
      int ids = 20 + random.nextInt(20);
      int[] statuses = new int[ids + 1];
      Arrays.fill(statuses, 422);
      statuses[ids] = 200;
      String where = "seed " + seed + " round " + round;
      try (HoldingEndpoint endpoint = HoldingEndpoint.answering(statuses)) {
        WebhookClient client = WebhookClient.builder().secret("s")
            .outbox(dir.resolve("outbox-" + seed + "-" + round + ".jsonl"))
            .retry(RetryPolicy.none()).build();
        for (int i = 0; i < ids; i++) {
          assertThat(client.send(endpoint.uri("/r"), message("adv-" + i))
              .get(20, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.REJECTED);
        }
        Map<String, List<CompletableFuture<WebhookDelivery>>> redriven = new ConcurrentHashMap<>();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        int closeAfter = random.nextInt(3 * ids);
        CyclicBarrier start = new CyclicBarrier(4);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
          List<Integer> order = new ArrayList<>(IntStream.range(0, ids).boxed().toList());
          java.util.Collections.shuffle(order, new Random(seed * 100L + round * 10L + t));
          threads.add(new Thread(() -> {
            TestThreads.awaitBarrier(start);
            for (int i : order) {
              String id = "adv-" + i;
              try {
                List<CompletableFuture<WebhookDelivery>> sent = client.redrive(id);
                redriven.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).addAll(sent);
              } catch (IllegalStateException closed) {
                break;
              } catch (Throwable e) {
                unexpected.add(e);
                break;
              } finally {
                calls.incrementAndGet();
              }
            }
          }, "adv-redriver-" + t));
        }
        threads.add(new Thread(() -> {
          TestThreads.awaitBarrier(start);
          while (calls.get() < closeAfter) {
            Thread.onSpinWait();
          }
          client.close();
        }, "adv-closer"));
        threads.forEach(Thread::start);
        for (Thread t : threads) {
          t.join(30_000);
          assertThat(t.isAlive()).as("%s: %s finished", where, t.getName()).isFalse();
        }
        client.close();
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(unexpected).as("%s: redrive threw", where).isEmpty();
        int total = 0;
        for (Map.Entry<String, List<CompletableFuture<WebhookDelivery>>> e
            : redriven.entrySet()) {
          soft.assertThat(e.getValue()).as("%s: re-drives of %s", where, e.getKey())
              .hasSizeLessThanOrEqualTo(1);
          for (CompletableFuture<WebhookDelivery> f : e.getValue()) {
            total++;
            soft.assertThat(f.handle((v, x) -> true).get(20, TimeUnit.SECONDS))
                .as("%s: future of %s completes", where, e.getKey()).isTrue();
          }
        }
        soft.assertThat(endpoint.arrived.get()).as("%s: requests", where)
            .isLessThanOrEqualTo(ids + total);
        soft.assertAll();
      }
    }
  }

}
