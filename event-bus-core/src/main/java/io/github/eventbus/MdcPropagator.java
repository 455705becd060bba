package io.github.eventbus;

import java.util.Map;
import org.slf4j.MDC;

/** {@link ContextPropagator#mdc()}: carries SLF4J's MDC map to the handler's thread. */
final class MdcPropagator implements ContextPropagator {

  static final MdcPropagator INSTANCE = new MdcPropagator();

  private static final Runnable CLEAR = MDC::clear;

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
    if (before == null || before.isEmpty()) {
      MDC.clear();
      return CLEAR;
    }
    MDC.clear();
    return () -> MDC.setContextMap(before);
  }

  @Override
  public String toString() {
    return "ContextPropagator.mdc()";
  }
}
