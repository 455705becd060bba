package io.github.eventbus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TrackedThreadsTest {

  @Test
  void madeCurrentThread_isTrueOnlyOnAThreadItMade() throws Exception {
    TrackedThreads threads = TrackedThreads.named("tracked-test");
    TrackedThreads other = TrackedThreads.named("other-test");
    CompletableFuture<Boolean> insideOwn = new CompletableFuture<>();
    CompletableFuture<Boolean> insideOther = new CompletableFuture<>();
    Thread own = threads.newThread(() -> insideOwn.complete(threads.madeCurrentThread()));
    Thread foreign = other.newThread(() -> insideOther.complete(threads.madeCurrentThread()));
    own.start();
    foreign.start();
    assertThat(insideOwn.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(insideOther.get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(threads.madeCurrentThread()).isFalse();
    assertThat(threads.awaitExit(10, TimeUnit.SECONDS)).isTrue();
    assertThat(other.awaitExit(10, TimeUnit.SECONDS)).isTrue();
  }
}
