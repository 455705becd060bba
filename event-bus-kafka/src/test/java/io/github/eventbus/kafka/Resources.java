package io.github.eventbus.kafka;

import io.github.eventbus.TestResources;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opened (buses, bridges, clients), closed after each test in reverse order: register
 * it with {@code @RegisterExtension} on an instance field and pass each resource through
 * {@link #closing}. Not thread-safe: for the test's own thread.
 */
public final class Resources implements AfterEachCallback {

  private final List<AutoCloseable> opened = new ArrayList<>();

  /**
   * Keeps a resource to close after the test.
   *
   * @param resource the resource
   * @param <T> its type
   * @return the resource
   */
  public <T extends AutoCloseable> T closing(T resource) {
    opened.add(resource);
    return resource;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    TestResources.closeAll(opened);
  }
}
