package io.github.eventbus;

import java.util.List;

/** Closing what a test opened, written once for the test helpers of every module. */
public final class TestResources {

  private TestResources() {}

  /**
   * Closes {@code resources} last-opened first, and every one of them even if some fail: a bus
   * or writer left running would go on writing into the next test's files. Then clears the list.
   *
   * @param resources what to close, in the order opened
   * @throws Exception the first failure, with the later ones suppressed
   */
  public static void closeAll(List<? extends AutoCloseable> resources) throws Exception {
    Exception first = null;
    try {
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).close();
        } catch (Exception e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
    } finally {
      resources.clear();
    }
    if (first != null) {
      throw first;
    }
  }
}
