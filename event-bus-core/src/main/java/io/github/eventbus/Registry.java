package io.github.eventbus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An immutable snapshot of the subscriptions, with a cache of resolved {@link Route}s that lives
 * and dies with the snapshot: subscribing or unsubscribing makes a new snapshot, so a publisher
 * never sees a route computed from older subscriptions than the snapshot it read.
 */
final class Registry {

  static final Subscriber[] NONE = new Subscriber[0];
  // Higher priority first, compared rather than negated: -Integer.MIN_VALUE is itself.
  private static final Comparator<Subscriber> ORDER =
      ((Comparator<Subscriber>) (a, b) -> Integer.compare(b.priority, a.priority))
          .thenComparingLong(s -> s.sequence);
  // Dynamic type names can come from outside (webhooks); cache only so many routes for them.
  private static final int MAX_DYNAMIC_ROUTES = 4096;

  private final Map<Class<?>, Subscriber[]> byClass;
  private final Subscriber[] patterns;
  private final MetricsRegistry metrics;
  private final ConcurrentHashMap<Class<?>, Route> classRoutes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Route> dynamicRoutes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Class<?>, Route> systemRoutes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<StatedKey, Route> statedRoutes = new ConcurrentHashMap<>();

  /**
   * The route looked up last, read before the map: most buses publish one type at a time, and an
   * identity check is cheaper than a hash lookup. A racy field on purpose (a route's fields are
   * final, so any thread sees it whole); a stale one is only a miss.
   */
  private Route recent;

  /** An event class published with a stated generic type. */
  private record StatedKey(Class<?> eventClass, com.google.common.reflect.TypeToken<?> stated) {}

  private Registry(Map<Class<?>, Subscriber[]> byClass, Subscriber[] patterns, MetricsRegistry metrics) {
    this.byClass = byClass;
    this.patterns = patterns;
    this.metrics = metrics;
  }

  static Registry empty(MetricsRegistry metrics) {
    return new Registry(Map.of(), NONE, metrics);
  }

  Registry with(Subscriber s) {
    if (s.pattern != null) {
      return new Registry(byClass, append(patterns, s), metrics);
    }
    Map<Class<?>, Subscriber[]> copy = new HashMap<>(byClass);
    copy.merge(s.type, new Subscriber[] {s}, (old, added) -> append(old, s));
    return new Registry(copy, patterns, metrics);
  }

  Registry without(Subscriber s) {
    if (s.pattern != null) {
      return new Registry(byClass, remove(patterns, s), metrics);
    }
    Map<Class<?>, Subscriber[]> copy = new HashMap<>(byClass);
    Subscriber[] left = remove(copy.getOrDefault(s.type, NONE), s);
    if (left.length == 0) {
      copy.remove(s.type);
    } else {
      copy.put(s.type, left);
    }
    return new Registry(copy, patterns, metrics);
  }

  /** The route of a payload published with a stated generic type. */
  Route route(Object payload, com.google.common.reflect.TypeToken<?> stated) {
    Class<?> type = payload.getClass();
    return statedRoutes.computeIfAbsent(new StatedKey(type, stated),
        k -> resolve(type, TypeNames.of(type), stated));
  }

  /** The route of a payload: subscribers of its class and supertypes, and matching patterns. */
  Route route(Object payload) {
    if (payload instanceof DynamicEvent dynamic) {
      String type = dynamic.type();
      Route route = dynamicRoutes.get(type);
      if (route == null) {
        route = resolve(DynamicEvent.class, type, null);
        if (dynamicRoutes.size() < MAX_DYNAMIC_ROUTES) {
          dynamicRoutes.putIfAbsent(type, route);
        }
      }
      return route;
    }
    Class<?> type = payload.getClass();
    Route recent = this.recent;
    if (recent != null && recent.eventClass == type) {
      return recent;
    }
    Route route = classRoutes.get(type);
    if (route == null) {
      route = classRoutes.computeIfAbsent(type, t -> resolve(t, TypeNames.of(t), null));
    }
    this.recent = route;
    return route;
  }

  /** The route of a bus-generated event: only subscribers of exactly its class. */
  Route systemRoute(Class<?> type) {
    Route route = systemRoutes.get(type);
    return route != null
        ? route
        : systemRoutes.computeIfAbsent(type, t ->
            new Route(t, TypeNames.of(t), sorted(byClass.getOrDefault(t, NONE)),
                metrics.forType(TypeNames.of(t))));
  }

  private Route resolve(
      Class<?> type, String typeName, com.google.common.reflect.TypeToken<?> stated) {
    List<Subscriber> found = new ArrayList<>();
    for (Class<?> supertype : TypeHierarchy.of(type)) {
      Subscriber[] subs = byClass.get(supertype);
      if (subs != null) {
        for (Subscriber s : subs) {
          if (s.generic == null || GenericTypes.matches(s.generic, type, stated)) {
            found.add(s);
          }
        }
      }
    }
    for (Subscriber s : patterns) {
      if (s.pattern.matches(typeName)) {
        found.add(s);
      }
    }
    return new Route(type, typeName, sorted(found.toArray(NONE)), metrics.forType(typeName));
  }

  /** Every subscription in this snapshot. */
  List<Subscriber> all() {
    List<Subscriber> all = new ArrayList<>(Arrays.asList(patterns));
    byClass.values().forEach(subs -> all.addAll(Arrays.asList(subs)));
    return all;
  }

  private static Subscriber[] sorted(Subscriber[] subs) {
    Subscriber[] copy = subs.clone();
    Arrays.sort(copy, ORDER);
    return copy;
  }

  private static Subscriber[] append(Subscriber[] subs, Subscriber s) {
    Subscriber[] copy = Arrays.copyOf(subs, subs.length + 1);
    copy[subs.length] = s;
    return copy;
  }

  private static Subscriber[] remove(Subscriber[] subs, Subscriber s) {
    return Arrays.stream(subs).filter(x -> x != s).toArray(Subscriber[]::new);
  }
}
