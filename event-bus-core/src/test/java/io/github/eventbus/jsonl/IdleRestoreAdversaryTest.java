package io.github.eventbus.jsonl;

import static io.github.eventbus.TestFiles.replaceWithFile;
import static io.github.eventbus.jsonl.WriterChecks.assertConsistent;
import static io.github.eventbus.jsonl.WriterChecks.lines;
import static io.github.eventbus.jsonl.WriterChecks.writeAndWait;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer with {@code restoreOnVanish} whose file is lost while it has nothing to write: deleted
 * again and again, its directory replaced by a file, the file replaced by a symlink or a
 * directory, deleted right before close; and a plain writer, which must not recreate its file
 * while idle.
 */
class IdleRestoreAdversaryTest {

  private static final String RESTORED = "{\"live\":\"a\"}";

  @TempDir Path dir;
  private final BlockingQueue<String> problems = new LinkedBlockingQueue<>();

  private JsonLinesWriterBuilder<Object> restoring(Path file) {
    return JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(Durability.FSYNC)
        .retryDelay(Duration.ofMillis(20))
        .flushInterval(Duration.ofHours(1))
        .errorHandler((f, problem, cause) -> problems.add(problem))
        .restoreOnVanish(() -> List.of(Map.of("live", "a")));
  }

  /** The next problem reported, within 20 s. */
  private String nextProblem() throws InterruptedException {
    String problem = problems.poll(20, TimeUnit.SECONDS);
    assertThat(problem).as("a problem reported within 20 s").isNotNull();
    return problem;
  }

  @Test
  void deletedAgainAndAgainWhileIdle_eachNewFileHoldsOneCopy_eachLossCountedAndReportedOnce()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = restoring(file).build()) {
      writeAndWait(w, 1);
      for (int round = 1; round <= 12; round++) {
        Files.delete(file);
        assertThat(nextProblem()).contains("was deleted");
        w.flush().get(20, TimeUnit.SECONDS); // the restore is written before the barrier
        assertThat(lines(file)).as("round %d", round).containsExactly(RESTORED);
        assertThat(w.stats().failedWrites()).isEqualTo(round);
      }
      writeAndWait(w, 2);
      assertThat(lines(file)).containsExactly(RESTORED, "{\"n\":2}");
      assertThat(problems).isEmpty();
      WriterStats s = w.stats();
      assertThat(s.written()).isEqualTo(2);
      assertConsistent(s);
    }
  }

  @Test
  void directoryReplacedByAFileWhileIdle_failureCountedAndReported_restoredOnceTheWayIsClear()
      throws Exception {
    Path sub = dir.resolve("sub");
    Path file = sub.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = restoring(file).build()) {
      writeAndWait(w, 1);
      replaceWithFile(sub, "not a directory"); // retried if the writer restores into sub/ first
      List<String> seen = new ArrayList<>();
      while (seen.stream().noneMatch(p -> p.contains("not a directory"))) {
        seen.add(nextProblem());
      }
      assertThat(seen).anyMatch(p -> p.contains("was deleted"));
      long failed = w.stats().failedWrites();
      assertThat(failed).isGreaterThanOrEqualTo(2);

      Files.delete(sub); // the way is clear
      w.flush().get(20, TimeUnit.SECONDS);

      assertThat(lines(file)).containsExactly(RESTORED);
      WriterStats s = w.stats();
      assertThat(s.written()).isEqualTo(1);
      assertThat(s.pending()).isZero();
      assertConsistent(s);
    }
  }

  @Test
  void replacedByADirectoryWhileIdle_reported_andRestoredOnceTheDirectoryIsGone()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = restoring(file).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      try {
        Files.createDirectory(file);
      } catch (java.nio.file.FileAlreadyExistsException restoredFirst) {
        Files.delete(file); // restored between the two: lose it again, as a directory
        Files.createDirectory(file);
      }
      List<String> seen = new ArrayList<>();
      while (seen.size() < 2) {
        seen.add(nextProblem());
      }
      assertThat(w.stats().failedWrites()).isGreaterThanOrEqualTo(2);

      Files.delete(file);
      w.flush().get(20, TimeUnit.SECONDS);

      assertThat(lines(file)).containsExactly(RESTORED);
      assertConsistent(w.stats());
    }
  }

  /**
   * The file is replaced by a symlink to a file of someone else's that does not end in a line
   * break. Restoring must not change that file's existing bytes.
   */
  @Test
  void replacedByASymlinkWhileIdle_isReported_andTheLinkedFilesBytesAreNotTouched()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    Path victim = dir.resolve("victim.txt");
    String precious = "line one\nprecious last line without a line break";
    Files.writeString(victim, precious, StandardCharsets.UTF_8);
    try (JsonLinesWriter<Object> w = restoring(file).build()) {
      writeAndWait(w, 1);
      Path link = dir.resolve("link.tmp");
      Files.createSymbolicLink(link, victim);
      Files.move(link, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);

      assertThat(nextProblem()).contains("replaced");
      assertThat(nextProblem()).as("refused, never written through")
          .contains("the records to restore", "symbolic link");
      assertThat(Files.readString(victim, StandardCharsets.UTF_8))
          .as("the linked file keeps its bytes").isEqualTo(precious);

      Files.delete(file);
      w.flush().get(20, TimeUnit.SECONDS);
      assertThat(Files.isSymbolicLink(file)).isFalse();
      assertThat(Files.readAllLines(file)).isNotEmpty();
    }
    assertThat(Files.readString(victim, StandardCharsets.UTF_8)).isEqualTo(precious);
  }

  @Test
  void deletedRightBeforeClose_closeLeavesTheFileWhole() throws Exception {
    for (int i = 0; i < 20; i++) {
      Path file = dir.resolve("close-" + i + ".jsonl");
      JsonLinesWriter<Object> w = restoring(file).build();
      writeAndWait(w, 1);
      Files.delete(file);
      w.close();
      assertThat(lines(file)).as("iteration %d", i).containsExactly(RESTORED);
      WriterStats s = w.stats();
      assertThat(s.written()).isEqualTo(1);
      assertThat(s.failedWrites()).isEqualTo(1);
      assertConsistent(s);
    }
  }

  @Test
  void deletedConcurrentlyWithClose_theFileIsEitherGoneOrHoldsOneCopy() throws Exception {
    for (int i = 0; i < 30; i++) {
      Path file = dir.resolve("race-" + i + ".jsonl");
      JsonLinesWriter<Object> w = restoring(file).build();
      writeAndWait(w, 1);
      Thread deleter = new Thread(() -> {
        try {
          Files.delete(file);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, "deleter-" + i);
      deleter.start();
      w.close();
      deleter.join(20_000);
      if (Files.exists(file)) {
        assertThat(lines(file)).as("iteration %d", i).containsExactly(RESTORED);
      }
      assertConsistent(w.stats());
      assertThat(w.stats().written()).isEqualTo(1);
    }
  }

  /**
   * A plain log (no restoreOnVanish) deleted while idle is not recreated by the idle wake-ups;
   * the next record starts a new file holding only that record. A restoring writer on a sibling
   * file, deleted at the same moment, shows that idle wake-ups have happened.
   */
  @Test
  void plainWriter_deletedWhileIdle_isNotRecreatedUntilTheNextRecord() throws Exception {
    Path plainFile = dir.resolve("plain.jsonl");
    Path witnessFile = dir.resolve("witness.jsonl");
    List<String> plainProblems = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (JsonLinesWriter<Object> plain = JsonLinesWriter.toFile(plainFile,
            JsonLinesWriter.jackson()).durability(Durability.FSYNC)
            .flushInterval(Duration.ofHours(1))
            .errorHandler((f, problem, cause) -> plainProblems.add(problem)).build();
        JsonLinesWriter<Object> witness = restoring(witnessFile).build()) {
      writeAndWait(plain, 1);
      writeAndWait(witness, 1);
      Files.delete(plainFile);
      for (int round = 0; round < 3; round++) {
        Files.delete(witnessFile);
        assertThat(nextProblem()).contains("was deleted");
        witness.flush().get(20, TimeUnit.SECONDS);
      }
      assertThat(plainFile).doesNotExist();
      assertThat(plainProblems).isEmpty();

      writeAndWait(plain, 2);
      assertThat(lines(plainFile)).containsExactly("{\"n\":2}");
      assertThat(plain.stats().written()).isEqualTo(2);
    }
  }
}
