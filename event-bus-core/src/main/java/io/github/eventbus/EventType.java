package io.github.eventbus;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives an event class its type name, used by {@linkplain TypePattern wildcard subscriptions},
 * the audit log and webhooks.
 *
 * <pre>{@code
 * @EventType("file_change")
 * record FileChange(Path path, ChangeType change) {}
 * }</pre>
 *
 * <p>The name must follow the grammar of {@link TypeNames#isValid(String)}. Classes
 * without this annotation are named by {@link TypeNames#of(Class)}: their
 * {@linkplain Class#getName() binary class name}, such as {@code com.acme.OrderPlaced}. The
 * annotation is not inherited: a subclass has its own name.
 *
 * <p><b>Thread-safety:</b> an annotation; read once per class and cached.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EventType {

  /**
   * The type name, for example {@code "file_change"} or {@code "report.ready"}.
   *
   * @return the type name
   */
  String value();
}
