package io.github.eventbus;

import com.google.common.reflect.TypeToken;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;

/**
 * Matching of parameterised subscriptions ({@link EventBus#subscribe(TypeToken, EventHandler)})
 * against events. Evaluated when a route is resolved, so once per event class (or per class and
 * stated type), never per event.
 */
final class GenericTypes {

  private GenericTypes() {}

  /**
   * Returns the token if it has type arguments worth checking, else null: a plain class, or a
   * type every instance of its class is, erased or not: arguments that are all a wildcard
   * admitting whatever its type variable admits ({@code Envelope<?>}, or
   * {@code Measure<? extends Number>} for {@code Measure<N extends Number>}), an owner type that
   * is so too ({@code Outer<?>.Inner<?>}), or an array of such a type.
   */
  static TypeToken<?> parameterised(TypeToken<?> token) {
    return coversItsClass(token.getType()) ? null : token;
  }

  private static boolean coversItsClass(Type type) {
    if (type instanceof Class<?>) {
      return true;
    }
    if (type instanceof GenericArrayType array) {
      return coversItsClass(array.getGenericComponentType());
    }
    if (!(type instanceof ParameterizedType p) || !(p.getRawType() instanceof Class<?> raw)
        || (p.getOwnerType() != null && !coversItsClass(p.getOwnerType()))) {
      return false;
    }
    Type[] arguments = p.getActualTypeArguments();
    TypeVariable<?>[] variables = raw.getTypeParameters();
    for (int i = 0; i < arguments.length; i++) {
      if (!(arguments[i] instanceof WildcardType w) || w.getLowerBounds().length > 0
          || !admitsAll(w.getUpperBounds(), variables[i].getBounds())) {
        return false;
      }
    }
    return true;
  }

  /** Whether a wildcard with these upper bounds admits all its type variable does. */
  private static boolean admitsAll(Type[] wildcardBounds, Type[] variableBounds) {
    return (wildcardBounds.length == 1 && wildcardBounds[0] == Object.class)
        || java.util.Arrays.equals(wildcardBounds, variableBounds);
  }

  /**
   * Tells whether an event of {@code eventClass}, published with {@code stated} (or null), is an
   * instance of {@code wanted}. Without a stated type, the type arguments must be declared by the
   * event's class hierarchy (for example {@code class OrderList extends ArrayList<Order>}); if they
   * are erased (an {@code ArrayList<Order>} instance is only an {@code ArrayList}), it is not.
   */
  static boolean matches(TypeToken<?> wanted, Class<?> eventClass, TypeToken<?> stated) {
    TypeToken<?> actual = stated;
    if (actual == null) {
      @SuppressWarnings({"unchecked", "rawtypes"})
      TypeToken<?> declared = ((TypeToken) TypeToken.of(eventClass)).getSupertype(wanted.getRawType());
      if (!isFullyKnown(declared.getType())) {
        return false;
      }
      actual = declared;
    }
    return wanted.isSupertypeOf(actual);
  }

  /**
   * Tells why a stated type contradicts what {@code eventClass} itself declares, or returns null if
   * it does not. A class such as {@code class OrderList extends ArrayList<Order>} declares its
   * type arguments; stating {@code List<String>} for it is a contradiction. Arguments the class
   * leaves open (a type variable) may be stated freely; an argument it declares in part, such as
   * {@code List<T>}, must agree as far as it is declared.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static String contradiction(Class<?> eventClass, TypeToken<?> stated) {
    if (!(stated.getType() instanceof ParameterizedType statedType)) {
      return null;
    }
    TypeToken<?> declared = ((TypeToken) TypeToken.of(eventClass)).getSupertype(stated.getRawType());
    if (!(declared.getType() instanceof ParameterizedType declaredType)) {
      return null;
    }
    Type[] declaredArguments = declaredType.getActualTypeArguments();
    Type[] statedArguments = statedType.getActualTypeArguments();
    for (int i = 0; i < declaredArguments.length && i < statedArguments.length; i++) {
      Type known = declaredArguments[i];
      Type claimed = statedArguments[i];
      if (!fits(known, claimed)) {
        return "the stated type " + stated + " contradicts the event's class "
            + eventClass.getName() + ", which declares " + declared + ": type argument "
            + (i + 1) + " is " + TypeToken.of(known) + ", not " + TypeToken.of(claimed);
      }
    }
    return null;
  }

  /**
   * Tells whether a stated type argument can be the one the class declares. Where the declared
   * argument is only partly known ({@code List<T>}), what is known must still agree: a
   * {@code Set<Integer>} can never be a {@code List<T>}, whatever {@code T} is.
   */
  private static boolean fits(Type known, Type claimed) {
    if (known instanceof TypeVariable<?>) {
      return true; // open: the publisher may state it
    }
    if (claimed instanceof WildcardType w) {
      return isFullyKnown(known) ? admits(w, known) : rawlyAdmits(w, known);
    }
    if (isFullyKnown(known)) {
      return TypeToken.of(claimed).equals(TypeToken.of(known));
    }
    if (known instanceof ParameterizedType k) {
      if (!(claimed instanceof ParameterizedType c) || k.getRawType() != c.getRawType()) {
        return false;
      }
      Type[] knownArguments = k.getActualTypeArguments();
      Type[] claimedArguments = c.getActualTypeArguments();
      for (int i = 0; i < knownArguments.length; i++) {
        if (!fits(knownArguments[i], claimedArguments[i])) {
          return false;
        }
      }
      return true;
    }
    if (known instanceof GenericArrayType a) {
      Type component = claimed instanceof GenericArrayType g ? g.getGenericComponentType()
          : claimed instanceof Class<?> c && c.isArray() ? c.getComponentType() : null;
      return component != null && fits(a.getGenericComponentType(), component);
    }
    if (known instanceof Class<?> raw) { // a raw use of a generic class
      return TypeToken.of(claimed).getRawType() == raw;
    }
    return true;
  }

  /** {@link #admits} for a partly known type: compares the raw classes only. */
  private static boolean rawlyAdmits(WildcardType wildcard, Type known) {
    Class<?> raw = TypeToken.of(known).getRawType();
    for (Type upper : wildcard.getUpperBounds()) {
      if (!TypeToken.of(upper).getRawType().isAssignableFrom(raw)) {
        return false;
      }
    }
    for (Type lower : wildcard.getLowerBounds()) {
      if (!raw.isAssignableFrom(TypeToken.of(lower).getRawType())) {
        return false;
      }
    }
    return true;
  }

  /** Tells whether a wildcard such as {@code ? extends Record} admits the type {@code known}. */
  private static boolean admits(WildcardType wildcard, Type known) {
    for (Type upper : wildcard.getUpperBounds()) {
      if (!TypeToken.of(upper).isSupertypeOf(known)) {
        return false;
      }
    }
    for (Type lower : wildcard.getLowerBounds()) {
      if (!TypeToken.of(known).isSupertypeOf(lower)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isFullyKnown(Type type) {
    if (type instanceof Class<?> c) {
      return c.getTypeParameters().length == 0; // a raw use of a generic class is erased
    }
    if (type instanceof ParameterizedType p) {
      for (Type argument : p.getActualTypeArguments()) {
        if (!isFullyKnown(argument)) {
          return false;
        }
      }
      return true;
    }
    if (type instanceof GenericArrayType a) {
      return isFullyKnown(a.getGenericComponentType());
    }
    if (type instanceof WildcardType w) {
      for (Type bound : w.getUpperBounds()) {
        if (!isFullyKnown(bound)) {
          return false;
        }
      }
      return true;
    }
    return !(type instanceof TypeVariable<?>);
  }
}
