package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.eventbus.internal.RateLimitedLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Repeated conditions log at most one line per interval, with the count left out. */
class RateLimitedLogTest {

  record Item(int n) {}

  private final ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final Logger logger = (Logger) LoggerFactory.getLogger(EventBus.class);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @BeforeEach
  void attach() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
  }

  private List<String> lines() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /**
   * A bus closed within the interval of its last warning still tells how many it left out: the
   * next line, which would have said so, never comes.
   */
  @Test
  void close_withinAnInterval_tellsTheCountLeftOut_onceAndOnlyThen() {
    EventBus bus = EventBus.builder().name("left-out").clock(clock).build();
    bus.subscribe(Item.class, i -> {
      throw new IllegalStateException("handler bug");
    });
    for (int i = 0; i < 5; i++) {
      bus.publishSync(new Item(i));
    }
    long before = lines().stream().filter(l -> l.contains("left out before the end")).count();
    bus.close();
    bus.close();

    assertThat(before).isZero();
    assertThat(lines()).filteredOn(l -> l.contains("left out before the end")).isNotEmpty()
        .allSatisfy(l -> assertThat(l).startsWith("4 more warning(s)"));
  }

  @Test
  void warn_repeatedWithinInterval_oneLine_thenCountSinceLastLine() {
    RateLimitedLog log = new RateLimitedLog(logger, clock, Duration.ofSeconds(10));
    for (int i = 0; i < 1000; i++) {
      log.warn("drop:a", "dropped event {}", i);
    }
    assertThat(lines()).containsExactly("dropped event 0");

    clock.advance(Duration.ofSeconds(9));
    log.warn("drop:a", "dropped event {}", 1000);
    assertThat(lines()).hasSize(1);

    clock.advance(Duration.ofSeconds(1));
    log.warn("drop:a", "dropped event {}", 1001, new IllegalStateException("cause"));
    assertThat(lines()).hasSize(2);
    assertThat(lines().get(1)).isEqualTo(
        "dropped event 1001 (1000 more like this since the last such line)");
    assertThat(appender.list.get(1).getThrowableProxy().getMessage()).isEqualTo("cause");
  }

  @Test
  void warn_afterTheClockIsSetBack_logsAgain_insteadOfWaitingForItToCatchUp() {
    RateLimitedLog log = new RateLimitedLog(logger, clock, Duration.ofSeconds(10));
    log.warn("drop:a", "dropped event {}", 1);
    clock.advance(Duration.ofHours(-1));
    log.warn("drop:a", "dropped event {}", 2);
    log.warn("drop:a", "dropped event {}", 3); // within an interval of the new time: counted

    assertThat(lines()).containsExactly("dropped event 1", "dropped event 2");
    clock.advance(Duration.ofSeconds(10));
    log.warn("drop:a", "dropped event {}", 4);
    assertThat(lines()).last().isEqualTo(
        "dropped event 4 (1 more like this since the last such line)");
  }

  @Test
  void warn_aClockJumpingAcrossTheWholeRange_startsANewInterval() {
    long[] now = {Long.MIN_VALUE};
    RateLimitedLog log = new RateLimitedLog(logger, new MillisClock() {
      @Override
      public long millis() {
        return now[0];
      }
    }, Duration.ofSeconds(10));
    log.warn("drop:a", "line {}", 1);
    now[0] = Long.MAX_VALUE; // the difference overflows to -1
    log.warn("drop:a", "line {}", 2);
    assertThat(lines()).containsExactly("line 1", "line 2");
  }

  /**
   * A time read just before another thread's line is a little behind that line's: not a clock set
   * back (which starts a new interval), so only one of the two lines is logged.
   */
  @Test
  void warn_aTimeReadJustBeforeAnotherThreadsLine_isNotTakenForAClockSetBack() throws Exception {
    AtomicReference<Thread> second = new AtomicReference<>();
    CountDownLatch firstReading = new CountDownLatch(1);
    Thread[] first = new Thread[1];
    RateLimitedLog log = new RateLimitedLog(logger, new MillisClock() {
      @Override
      public long millis() {
        if (Thread.currentThread() != first[0]) {
          return 1_001;
        }
        firstReading.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Thread other;
        while ((other = second.get()) == null || other.isAlive() && !waitsForTheLock(other)) {
          if (System.nanoTime() - deadline > 0) {
            throw new AssertionError("the second thread neither logged nor waited");
          }
          Thread.onSpinWait(); // until the second thread logged, or waits for this one
        }
        return 1_000;
      }
    }, Duration.ofSeconds(10));
    first[0] = new Thread(() -> log.warn("drop:a", "line {}", "A"));
    first[0].start();
    assertThat(firstReading.await(10, TimeUnit.SECONDS)).isTrue();
    Thread b = new Thread(() -> log.warn("drop:a", "line {}", "B"));
    b.start();
    second.set(b); // after start(): a thread not yet started is not alive either
    first[0].join();
    b.join();

    assertThat(lines()).hasSize(1);
  }

  /** Whether {@code t} waits to enter the condition's lock (not some other lock on its way). */
  private static boolean waitsForTheLock(Thread t) {
    StackTraceElement[] stack = t.getStackTrace();
    return t.getState() == Thread.State.BLOCKED && stack.length > 0
        && stack[0].getMethodName().equals("pass");
  }

  /**
   * The clock is the user's and may take a lock of its own: read under the condition's lock, a
   * thread warning while it held the clock's lock waited for a thread that held the condition's
   * and waited for the clock.
   */
  @Test
  void warn_aClockTakingALockOfItsOwn_neverDeadlocks() throws Exception {
    MillisClock locking = new MillisClock() {
      @Override
      public synchronized long millis() {
        return 1_000;
      }
    };
    RateLimitedLog log = new RateLimitedLog(logger, locking, Duration.ofSeconds(10));
    AtomicReference<Thread> reader = new AtomicReference<>();
    CountDownLatch holding = new CountDownLatch(1);
    Thread holder = new Thread(() -> {
      synchronized (locking) { // holds the clock's lock until it has warned itself
        holding.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Thread r;
        while ((r = reader.get()) == null || r.getState() != Thread.State.BLOCKED) {
          if (System.nanoTime() - deadline > 0) {
            return; // fails below: nothing logged
          }
          Thread.onSpinWait(); // until the other thread waits, at the clock's lock
        }
        log.warn("drop:a", "line {}", "B");
      }
    });
    holder.setDaemon(true); // a deadlocked pair must not keep the test JVM alive
    holder.start();
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    Thread r = new Thread(() -> log.warn("drop:a", "line {}", "A"));
    r.setDaemon(true);
    r.start();
    reader.set(r);

    holder.join(TimeUnit.SECONDS.toMillis(20));
    r.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(holder.isAlive() || r.isAlive()).as("deadlocked").isFalse();
    assertThat(lines()).containsExactly("line B");
  }

  /** A clock defined by its {@code millis()}, for clocks that do something as they are read. */
  private abstract static class MillisClock extends java.time.Clock {
    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void bus_eventIdWithLineBreaksAndControls_isEscapedInTheWarning() {
    String hostile = "id\nFORGED line\u0085\u2028\u202Eevil\u009b31m";
    try (EventBus bus = EventBus.builder().name("escaping").build()) {
      bus.subscribe(Item.class, i -> {
        throw new IllegalStateException("fails");
      });
      bus.publishSync(Event.builder(new Item(1)).id(hostile).timestamp(clock.instant()).source("s")
          .build());
    }
    assertThat(lines()).isNotEmpty().allSatisfy(line -> {
      assertThat(line).doesNotContain("\n", "\u0085", "\u2028", "\u202E", "\u009b");
    });
    assertThat(lines()).anySatisfy(line -> assertThat(line).contains("id\\u000aFORGED line"));
  }

  @Test
  void warn_differentConditions_eachGetsItsOwnLine() {
    RateLimitedLog log = new RateLimitedLog(logger, clock, Duration.ofSeconds(10));
    log.warn("a", "first a");
    log.warn("b", "first b");
    log.warn("a", "second a");
    assertThat(lines()).containsExactly("first a", "first b");
  }

  @Test
  void bus_dropPolicyWithoutDeadLetterSubscriber_logsOneLinePerInterval() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("flood").clock(clock).workers(1)
        .queueCapacity(1).backpressure(BackpressurePolicy.DROP).build()) {
      bus.on(Item.class).name("slow").subscribe(i -> {
        started.countDown();
        release.await();
      });
      bus.publish(new Item(0));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i <= 10_000; i++) { // the running event holds the only queue place
        bus.publish(new Item(i));
      }
      assertThat(bus.metrics().totals().dropped()).isEqualTo(10_000);
      assertThat(lines()).hasSize(1);

      clock.advance(RateLimitedLog.INTERVAL);
      bus.publish(new Item(20_000));
      assertThat(lines()).hasSize(2);
      assertThat(lines().get(1)).contains("9999 more like this");
      release.countDown();
    }
  }

  @Test
  void bus_failuresWithoutExceptionHandler_logOneLinePerInterval() {
    try (EventBus bus = EventBus.builder().name("failing").clock(clock).build()) {
      bus.subscribe(DeadLetter.class, l -> {});
      bus.on(Item.class).name("broken").subscribe(i -> {
        throw new IllegalStateException("always");
      });
      for (int i = 0; i < 500; i++) {
        bus.publishSync(new Item(i));
      }
      assertThat(lines()).hasSize(1);
      assertThat(lines().get(0)).contains("Subscriber 'broken'");
    }
  }

  @Test
  void bus_contextPropagatorUndoActionThrows_oneLinePerInterval() throws Exception {
    ContextPropagator failingUndo = new ContextPropagator() {
      @Override
      public Object capture() {
        return "context";
      }

      @Override
      public Runnable restore(Object captured) {
        return () -> {
          throw new IllegalStateException("undo of " + captured); // a new lambda every time
        };
      }

      @Override
      public String toString() {
        return "FailingUndo";
      }
    };
    int events = 500;
    CountDownLatch handled = new CountDownLatch(events);
    try (EventBus bus = EventBus.builder().name("undo-flood").clock(clock).workers(2)
        .propagateMdc(false).contextPropagator(failingUndo).build()) {
      bus.subscribe(Item.class, i -> handled.countDown());
      for (int i = 0; i < events; i++) {
        bus.publish(new Item(i));
      }
      assertThat(handled.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(lines()).hasSize(2); // the line, and at close the count of those left out
    assertThat(lines().get(0)).contains("FailingUndo").contains("undo");
    assertThat(lines().get(1)).startsWith("499 more warning(s)");
  }

  @Test
  void bus_failureWithoutExceptionHandlerNorDeadLetterSubscriber_oneLineNotTwo() {
    try (EventBus bus = EventBus.builder().name("failing-alone").clock(clock).build()) {
      bus.on(Item.class).name("broken").subscribe(i -> {
        throw new IllegalStateException("always");
      });
      bus.publishSync(new Item(1));
    }
    assertThat(lines()).singleElement().asString()
        .contains("Subscriber 'broken'").contains("giving up");
  }
}
