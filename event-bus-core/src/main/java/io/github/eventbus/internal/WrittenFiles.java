package io.github.eventbus.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The files this process's JSON Lines writers write, so that a second writer of one file (a
 * second bus built from a builder with {@code auditLog(dir)}, say) is refused before it touches
 * the file. Two writers of one file interleave their lines, each takes the other's line under
 * way for a torn one when it opens the file, and both roll it over. Files are compared as they
 * are when claimed: by where their path leads (links and {@code ..} resolved) and, for a file
 * that exists, by its identity (hard links). A link changed afterwards, or another process's
 * writer, is not seen.
 *
 * <p>A writer may write a family of names: daily files ({@code events_YYYYMMDD.jsonl}, rolled
 * over to {@code events_YYYYMMDD.1.jsonl}), or a fixed file's roll-overs ({@code state.1.jsonl}
 * for {@code state.jsonl}). It then claims the family, and a writer of a fixed file named as one
 * of its members is refused too (and the other way round).
 *
 * <p>Static because a file is the process's, whichever bus, handler or client writes it.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class WrittenFiles {

  /**
   * What a writer writes, as paths that may not exist.
   *
   * @param file the one file, or null for daily files
   * @param family the pattern of the names it writes beside or instead of {@code file} (daily
   *     files, roll-overs), as a path ({@code <dir>/events_YYYYMMDD.jsonl}); null if none
   * @param memberOf the families whose names {@code file}'s is one of
   */
  public record Names(Path file, Path family, List<Path> memberOf) {
    /** Copies {@code memberOf}. */
    public Names {
      memberOf = List.copyOf(memberOf);
    }
  }

  private static final Object LOCK = new Object();
  private static final Set<Object> FILES = new HashSet<>(); // guarded by LOCK
  private static final Set<Path> FAMILIES = new HashSet<>(); // guarded by LOCK
  private static final Map<Path, Integer> MEMBERS = new HashMap<>(); // guarded by LOCK

  /** What one writer claimed, to release. */
  private record Claim(List<Object> files, Path family, List<Path> memberOf) {}

  private WrittenFiles() {}

  /**
   * Claims a writer's files until {@link #release}.
   *
   * @param names what it writes
   * @param shown how the refusal names them
   * @return what to release
   * @throws IllegalStateException if a writer in this process has them
   */
  public static Object claim(Names names, Path shown) {
    Claim claim = keys(names);
    synchronized (LOCK) {
      if (taken(claim)) {
        throw refused(shown);
      }
      FILES.addAll(claim.files());
      if (claim.family() != null) {
        FAMILIES.add(claim.family());
      }
      claim.memberOf().forEach(f -> MEMBERS.merge(f, 1, Integer::sum));
    }
    return claim;
  }

  /**
   * Fails if a writer in this process writes {@code file}, for a caller that reads and rewrites
   * it before building its writer.
   *
   * @param file the file
   * @throws IllegalStateException if a writer in this process writes it
   */
  public static void refuseIfWritten(Path file) {
    Claim claim = keys(new Names(file, null, List.of()));
    synchronized (LOCK) {
      if (taken(claim)) {
        throw refused(file);
      }
    }
  }

  /**
   * Lets another writer have the files; called once the claiming writer can no longer write.
   *
   * @param claim what {@link #claim} returned
   */
  public static void release(Object claim) {
    Claim c = (Claim) claim;
    synchronized (LOCK) {
      FILES.removeAll(c.files());
      if (c.family() != null) {
        FAMILIES.remove(c.family());
      }
      for (Path f : c.memberOf()) {
        MEMBERS.computeIfPresent(f, (k, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  private static boolean taken(Claim c) {
    return c.files().stream().anyMatch(FILES::contains)
        || c.family() != null
            && (FAMILIES.contains(c.family()) || MEMBERS.containsKey(c.family()))
        || c.memberOf().stream().anyMatch(FAMILIES::contains);
  }

  private static IllegalStateException refused(Path shown) {
    return new IllegalStateException("another writer in this process writes "
        + LogText.escape(shown.toString()) + " (or files named as its: daily files, roll-overs)"
        + "; one writer per file: close the other first, or give each its own file or directory");
  }

  private static Claim keys(Names names) {
    List<Object> files = new ArrayList<>();
    if (names.file() != null) {
      files.add(whereItLeads(names.file()));
      try {
        Object identity = Files.readAttributes(names.file(), BasicFileAttributes.class).fileKey();
        if (identity != null) {
          files.add(identity);
        }
      } catch (IOException notThereYet) {
        // compared by path alone
      }
    }
    List<Path> memberOf = new ArrayList<>();
    names.memberOf().forEach(f -> memberOf.add(whereItLeads(f)));
    return new Claim(files, names.family() == null ? null : whereItLeads(names.family()),
        memberOf);
  }

  private static Path whereItLeads(Path path) {
    try {
      return FilePaths.whereItLeads(path);
    } catch (IOException unreadable) {
      return path.toAbsolutePath().normalize(); // opening the file will say what is wrong
    }
  }
}
