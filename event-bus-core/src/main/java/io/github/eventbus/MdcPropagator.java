package io.github.eventbus;

import java.util.Map;
import org.slf4j.MDC;

/** {@link ContextPropagator#mdc()}: carries SLF4J's MDC map to the handler's thread. */
final class MdcPropagator implements ContextPropagator {

  static final MdcPropagator INSTANCE = new MdcPropagator();

  /**
   * Undoes a delivery that started from an empty MDC: empties it only if the handler left
   * something behind. Clearing an empty MDC is not free (Logback sets two thread-locals), and in
   * the common case, a publisher and a handler without MDC, clearing it before and after each
   * handler was more than half of a worker's time (56% in the 1-to-1 profile).
   */
  static final Runnable CLEAR_IF_SET = () -> {
    if (MDC.getCopyOfContextMap() != null) {
      MDC.clear();
    }
  };

  private MdcPropagator() {}

  @Override
  public Object capture() {
    Map<String, String> map = MDC.getCopyOfContextMap();
    return map == null || map.isEmpty() ? null : map;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Runnable restore(Object captured) {
    Map<String, String> before = MDC.getCopyOfContextMap();
    MDC.setContextMap((Map<String, String>) captured);
    return () -> {
      if (before == null || before.isEmpty()) {
        MDC.clear();
      } else {
        MDC.setContextMap(before);
      }
    };
  }

  @Override
  public Runnable clear() {
    Map<String, String> before = MDC.getCopyOfContextMap();
    if (before == null) {
      return CLEAR_IF_SET; // already empty
    }
    MDC.clear();
    return before.isEmpty() ? CLEAR_IF_SET : () -> MDC.setContextMap(before);
  }

  @Override
  public String toString() {
    return "ContextPropagator.mdc()";
  }
}
