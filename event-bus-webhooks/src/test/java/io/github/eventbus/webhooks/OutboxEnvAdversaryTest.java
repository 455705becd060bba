package io.github.eventbus.webhooks;

import static io.github.eventbus.TestFiles.deleteTree;
import static io.github.eventbus.webhooks.OutboxProbes.ENDPOINT;
import static io.github.eventbus.webhooks.OutboxProbes.entry;
import static io.github.eventbus.webhooks.OutboxProbes.ids;
import static io.github.eventbus.webhooks.OutboxProbes.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The webhook outbox in an unlucky environment: its file or directory gone while deliveries are
 * pending, what a killed process leaves in it, a path that cannot be an outbox.
 */
class OutboxEnvAdversaryTest {

  @TempDir Path dir;

  private static String pendingLine(String id) {
    Outbox.Entry e = entry(id);
    return "{\"op\":\"pending\",\"key\":\"" + e.key() + "\",\"id\":\"" + id + "\",\"endpoint\":\""
        + ENDPOINT + "\",\"event_type\":\"t\",\"body\":\""
        + Base64.getEncoder().encodeToString(e.body()) + "\"}";
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "directory"})
  void deletedWhileDeliveriesPending_restartResumesEveryUnfinishedDelivery(String what)
      throws Exception {
    Path outboxDir = dir.resolve("webhooks");
    Path file = outboxDir.resolve("outbox.jsonl");
    try (Outbox outbox = new Outbox(file, null)) {
      outbox.pending(entry("e1")).get(20, TimeUnit.SECONDS);
      outbox.pending(entry("e2")).get(20, TimeUnit.SECONDS);
      outbox.done(key("e2"));
      if (what.equals("file")) {
        Files.delete(file);
      } else {
        deleteTree(outboxDir);
      }
      outbox.pending(entry("e3")).get(20, TimeUnit.SECONDS); // written to a re-created file
      assertThat(ids(outbox.pending())).containsExactly("e1", "e3"); // the client still knows
    }

    try (Outbox restarted = new Outbox(file, null)) {
      assertThat(ids(restarted.pending())).containsExactlyInAnyOrder("e1", "e3");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "directory"})
  void deletedAndThenClosed_withoutAnotherRecord_restartResumesEveryUnfinishedDelivery(
      String what) throws Exception {
    Path outboxDir = dir.resolve("webhooks");
    Path file = outboxDir.resolve("outbox.jsonl");
    try (Outbox outbox = new Outbox(file, null)) {
      outbox.pending(entry("e1")).get(20, TimeUnit.SECONDS);
      outbox.pending(entry("e2")).get(20, TimeUnit.SECONDS);
      outbox.dead(entry("e2"));
      outbox.pending(entry("e3")).get(20, TimeUnit.SECONDS);
      outbox.done(key("e3"));
      outbox.pending(entry("e4")).get(20, TimeUnit.SECONDS);
      if (what.equals("file")) {
        Files.delete(file);
      } else {
        deleteTree(outboxDir);
      }
    }

    try (Outbox restarted = new Outbox(file, null)) {
      assertThat(ids(restarted.pending())).containsExactly("e1", "e4");
      assertThat(ids(restarted.dead())).containsExactly("e2");
    }
  }

  /** What a process killed after the deletion, before another record or close, leaves. */
  @ParameterizedTest
  @ValueSource(strings = {"file", "directory"})
  void deletedWhileIdle_isWrittenWholeAgain_withoutAnotherRecordOrClose(String what)
      throws Exception {
    Path outboxDir = dir.resolve("webhooks");
    Path file = outboxDir.resolve("outbox.jsonl");
    CompletableFuture<String> lost = new CompletableFuture<>();
    try (Outbox outbox = new Outbox(file, (f, problem, cause) -> lost.complete(problem))) {
      outbox.pending(entry("e1")).get(20, TimeUnit.SECONDS);
      outbox.pending(entry("e2")).get(20, TimeUnit.SECONDS);
      outbox.dead(entry("e2"));
      outbox.pending(entry("e3")).get(20, TimeUnit.SECONDS);
      if (what.equals("file")) {
        Files.delete(file);
      } else {
        deleteTree(outboxDir);
      }
      assertThat(lost.get(20, TimeUnit.SECONDS)).contains("was deleted");

      List<String> expected = List.of("pending e1", "dead e2", "pending e3");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      List<String> keys = List.of();
      while (!keys.equals(expected) && System.nanoTime() < deadline) {
        Thread.onSpinWait(); // the restore is written right after the loss is reported
        keys = Files.exists(file) ? Files.readAllLines(file).stream()
            .map(l -> l.replaceAll(".*\"op\":\"(\\w+)\",\"key\":\"(\\w+) .*", "$1 $2"))
            .toList() : List.of();
      }
      assertThat(keys).isEqualTo(expected);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"whole-without-lf", "half-object", "nul-tail"})
  void killedProcessTail_atStart_resumesWhatWasWhole_dropsTheRest_andCompacts(String kind)
      throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    String tail = switch (kind) {
      case "whole-without-lf" -> pendingLine("tail");
      case "half-object" -> pendingLine("tail").substring(0, 50);
      case "nul-tail" -> "\0".repeat(4096);
      default -> throw new AssertionError(kind);
    };
    Files.writeString(file, pendingLine("a") + "\n" + pendingLine("b") + "\n" + tail,
        StandardCharsets.UTF_8);

    try (Outbox outbox = new Outbox(file, null)) {
      assertThat(ids(outbox.pending())).containsExactlyElementsOf(
          kind.equals("whole-without-lf") ? List.of("a", "b", "tail") : List.of("a", "b"));
      outbox.pending(entry("c")).get(20, TimeUnit.SECONDS);
    }
    try (Outbox again = new Outbox(file, null)) {
      assertThat(ids(again.pending())).contains("a", "b", "c").doesNotHaveDuplicates();
    }
    assertThat(Files.exists(dir.resolve("outbox.jsonl.corrupt"))).isFalse();
    byte[] compacted = Files.readAllBytes(file);
    assertThat(new String(compacted, StandardCharsets.UTF_8)).doesNotContain("\0").endsWith("\n");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"symbolic link", "hard link", "named pipe"})
  @Timeout(30)
  void unreadableLine_withSomethingElseAtTheCorruptPath_failsTheOpen_andWritesNothingThere(
      String kind) throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    String content = pendingLine("a") + "\nnot a record\n";
    Files.writeString(file, content, StandardCharsets.UTF_8);
    Path victim = Files.writeString(dir.resolve("victim.txt"), "precious\n");
    Path corrupt = dir.resolve("outbox.jsonl.corrupt");
    switch (kind) {
      case "symbolic link" -> Files.createSymbolicLink(corrupt, victim);
      case "hard link" -> Files.createLink(corrupt, victim);
      default -> assertThat(new ProcessBuilder("mkfifo", corrupt.toString()).start().waitFor())
          .isZero();
    }

    assertThatThrownBy(() -> new Outbox(file, null).close())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot open the webhook outbox")
        .hasMessageContaining("outbox.jsonl.corrupt");
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
    assertThat(Files.readString(file)).isEqualTo(content);
  }

  @ParameterizedTest
  @ValueSource(strings = {"invalid-utf8", "half-object", "huge"})
  void unreadableWholeLine_atStart_isKeptInCorrupt_saidOnce_andTheOthersResume(String kind)
      throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    content.writeBytes((pendingLine("a") + "\n").getBytes(StandardCharsets.UTF_8));
    byte[] bad = switch (kind) {
      case "invalid-utf8" -> pendingLine("x").replace("\"t\"", "\"\u00ff\"")
          .getBytes(StandardCharsets.ISO_8859_1); // a lone 0xFF byte: not UTF-8
      case "half-object" -> pendingLine("x").substring(0, 50).getBytes(StandardCharsets.UTF_8);
      case "huge" -> ("{\"op\":\"pending\",\"pad\":\"" + "z".repeat(8 << 20) + "\"")
          .getBytes(StandardCharsets.UTF_8);
      default -> throw new AssertionError(kind);
    };
    content.writeBytes(bad);
    content.write('\n');
    content.writeBytes((pendingLine("b") + "\n").getBytes(StandardCharsets.UTF_8));
    Files.write(file, content.toByteArray());

    try (LogCapture log = new LogCapture(WebhookClient.class)) {
      log.enable(Level.WARN);
      try (Outbox outbox = new Outbox(file, null)) {
        assertThat(ids(outbox.pending())).containsExactly("a", "b");
      }
      assertThat(log.lines(Level.WARN)).singleElement().asString()
          .contains("1 record(s)").contains(".corrupt");
    }
    byte[] kept = Files.readAllBytes(dir.resolve("outbox.jsonl.corrupt"));
    assertThat(kept).hasSize(bad.length + 1);
    try (Outbox again = new Outbox(file, null)) {
      assertThat(ids(again.pending())).containsExactly("a", "b");
    }
  }

  @Test
  void build_withAnOutboxPathThatIsADirectory_failsWithADocumentedException_startingNoThread()
      throws Exception {
    Path outbox = Files.createDirectory(dir.resolve("outbox.jsonl"));
    List<String> before = io.github.eventbus.TestThreads.alive("webhook-client-");
    List<String> writersBefore = io.github.eventbus.TestThreads.alive("jsonl-writer-attempts");
    assertThatThrownBy(() -> WebhookClient.builder().secret("s3cret").outbox(outbox)
        .attemptLog(dir.resolve("attempts.jsonl")).build().close())
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining(outbox.toString());
    assertThat(io.github.eventbus.TestThreads.alive("webhook-client-")).isEqualTo(before);
    assertThat(io.github.eventbus.TestThreads.alive("jsonl-writer-attempts"))
        .isEqualTo(writersBefore);
  }

  @Test
  void open_withALinkAtItsTemporaryPath_compactsWithoutWritingThroughIt() throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    Files.writeString(file, pendingLine("e1") + "\n", StandardCharsets.UTF_8);
    Path victim = Files.writeString(dir.resolve("victim.txt"), "keep me\n", StandardCharsets.UTF_8);
    Files.createSymbolicLink(dir.resolve("outbox.jsonl.tmp"), victim);

    try (Outbox outbox = new Outbox(file, null)) {
      assertThat(ids(outbox.pending())).containsExactly("e1");
    }
    assertThat(victim).hasContent("keep me");
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactly(pendingLine("e1"));
  }

  /**
   * Records dropped from a full buffer (the disk blocked, the writer retrying) fail at once: the
   * client tells those deliveries not kept, so no later compaction, restore or restart may bring
   * them back; every record that was taken is written once the disk is back.
   */
  @Test
  void recordsDroppedFromAFullBuffer_areNotResumedLater_theOthersAre() throws Exception {
    Path outboxDir = dir.resolve("webhooks");
    Path file = outboxDir.resolve("outbox.jsonl");
    java.util.Set<String> dropped = new java.util.HashSet<>();
    java.util.List<CompletableFuture<Void>> taken = new java.util.ArrayList<>();
    try (Outbox outbox = new Outbox(file, (f, problem, cause) -> { }, 64 * 1024)) {
      Files.delete(outboxDir.resolve("outbox.jsonl.lock"));
      Files.delete(file);
      Files.delete(outboxDir);
      Files.writeString(outboxDir, "a file where the directory was"); // every write fails
      for (int i = 0; dropped.size() < 3; i++) {
        CompletableFuture<Void> written = outbox.pending(entry("e" + i));
        if (written.isCompletedExceptionally()) {
          dropped.add("e" + i);
        } else {
          taken.add(written);
        }
      }
      assertThat(ids(outbox.pending())).doesNotContainAnyElementsOf(dropped);

      Files.delete(outboxDir);
      CompletableFuture.allOf(taken.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
    try (Outbox restarted = new Outbox(file, null)) {
      assertThat(ids(restarted.pending())).hasSize(taken.size())
          .doesNotContainAnyElementsOf(dropped);
    }
  }

  /**
   * An outbox path that is a link stands for the file it points to: that file is rewritten in
   * place (keeping its own mode, never a link's rwxrwxrwx) and the link stays.
   */
  @Test
  void open_ofAnOutboxThatIsALink_rewritesTheFileItPointsTo_withThatFilesMode() throws Exception {
    Path target = Files.writeString(dir.resolve("elsewhere.jsonl"), pendingLine("e1") + "\n",
        StandardCharsets.UTF_8);
    Path file = Files.createSymbolicLink(dir.resolve("outbox.jsonl"), target);

    try (Outbox outbox = new Outbox(file, null)) {
      assertThat(ids(outbox.pending())).containsExactly("e1");
    }
    assertThat(Files.isSymbolicLink(file)).isTrue();
    try (Outbox reopened = new Outbox(target, null)) {
      assertThat(ids(reopened.pending())).containsExactly("e1");
    }
    assertThat(Files.getPosixFilePermissions(target)).as("not a link's rwxrwxrwx")
        .doesNotContain(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
  }
}
