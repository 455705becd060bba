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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files this process's JSON Lines writers write, so that a second writer of one file (a
 * second bus built from a builder with {@code auditLog(dir)}, say) is refused before it touches
 * the file. Two writers of one file interleave their lines, each takes the other's line under
 * way for a torn one when it opens the file, and both roll it over. Files are compared as they
 * are when claimed: by where their path leads (links and {@code ..} resolved) and, for a file
 * that exists where the file system gives a file key, by its identity (hard links). A link
 * changed afterwards, or another process's writer, is not seen.
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

  private static final Pattern DAILY = Pattern.compile("(.*)_\\d{8}(?:\\.\\d+)?\\.jsonl");
  private static final Pattern NUMBERED_STEM = Pattern.compile("(.+)\\.\\d{1,18}");

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

    /**
     * The names of daily files {@code <prefix>_YYYYMMDD.jsonl} and their roll-overs.
     *
     * @param directory their directory
     * @param prefix their prefix
     * @return the names
     */
    public static Names daily(Path directory, String prefix) {
      return new Names(null, directory.resolve(prefix + "_YYYYMMDD.jsonl"), List.of());
    }

    /**
     * The names of a fixed file: itself and, if it rolls over, its roll-overs
     * ({@code state.N.jsonl}); a member of the daily files or roll-overs its name is like.
     *
     * @param file the file
     * @param rollsOver whether it rolls over by size
     * @return the names
     */
    public static Names fixed(Path file, boolean rollsOver) {
      String name = file.getFileName().toString();
      int dot = name.lastIndexOf('.');
      String stem = dot > 0 ? name.substring(0, dot) : name;
      String extension = dot > 0 ? name.substring(dot) : "";
      List<Path> memberOf = new ArrayList<>();
      Matcher daily = DAILY.matcher(name);
      if (daily.matches()) {
        memberOf.add(file.resolveSibling(daily.group(1) + "_YYYYMMDD.jsonl"));
      }
      Matcher rolled = NUMBERED_STEM.matcher(stem);
      if (rolled.matches()) {
        memberOf.add(file.resolveSibling(rolled.group(1) + ".N" + extension));
      }
      return new Names(file, rollsOver ? file.resolveSibling(stem + ".N" + extension) : null,
          memberOf);
    }
  }

  private static final Object LOCK = new Object();
  private static final Set<Path> FILES = new HashSet<>(); // guarded by LOCK
  /** Claimed files' identities, with the path each was claimed at. Guarded by LOCK. */
  private static final Map<Object, Path> IDENTITIES = new HashMap<>();
  private static final Set<Path> FAMILIES = new HashSet<>(); // guarded by LOCK
  private static final Map<Path, Integer> MEMBERS = new HashMap<>(); // guarded by LOCK

  /** What one writer claimed, to release. */
  private record Claim(Path file, Path given, Object identity, Path family, List<Path> memberOf) {}

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
      if (claim.file() != null) {
        FILES.add(claim.file());
      }
      if (claim.identity() != null) {
        IDENTITIES.put(claim.identity(), claim.given());
      }
      if (claim.family() != null) {
        FAMILIES.add(claim.family());
      }
      claim.memberOf().forEach(f -> MEMBERS.merge(f, 1, Integer::sum));
    }
    return claim;
  }

  /**
   * Fails if a writer in this process writes {@code file} or files named as it, for a caller
   * that reads and rewrites it before building its writer (which claims it then).
   *
   * @param file the file, as a fixed file that does not roll over
   * @throws IllegalStateException if a writer in this process writes it
   */
  public static void refuseIfWritten(Path file) {
    Claim claim = keys(Names.fixed(file, false));
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
      if (c.file() != null) {
        FILES.remove(c.file());
      }
      if (c.identity() != null) {
        IDENTITIES.remove(c.identity(), c.given());
      }
      if (c.family() != null) {
        FAMILIES.remove(c.family());
      }
      for (Path f : c.memberOf()) {
        MEMBERS.computeIfPresent(f, (k, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  private static boolean taken(Claim c) {
    return c.file() != null && FILES.contains(c.file())
        || c.identity() != null && sameFileStill(IDENTITIES.get(c.identity()), c.given())
        || c.family() != null
            && (FAMILIES.contains(c.family()) || MEMBERS.containsKey(c.family()))
        || c.memberOf().stream().anyMatch(FAMILIES::contains);
  }

  /**
   * Whether a file claimed at {@code claimed} is still the one at {@code given}: a file
   * replaced since (compacted, re-created) may have left its identity to an unrelated file.
   */
  private static boolean sameFileStill(Path claimed, Path given) {
    try {
      return claimed != null && Files.isSameFile(claimed, given);
    } catch (IOException gone) {
      return false;
    }
  }

  private static IllegalStateException refused(Path shown) {
    return new IllegalStateException("another writer in this process writes "
        + LogText.escape(shown.toString()) + " (or files named as its: daily files, roll-overs)"
        + "; one writer per file: close the other first, or give each its own file or directory");
  }

  private static Claim keys(Names names) {
    Object identity = null;
    if (names.file() != null) {
      try {
        identity = Files.readAttributes(names.file(), BasicFileAttributes.class).fileKey();
      } catch (IOException notThereYet) {
        // compared by path alone
      }
    }
    List<Path> memberOf = new ArrayList<>();
    names.memberOf().forEach(f -> memberOf.add(whereItLeads(f)));
    return new Claim(names.file() == null ? null : whereItLeads(names.file()), names.file(),
        identity, names.family() == null ? null : whereItLeads(names.family()), memberOf);
  }

  private static Path whereItLeads(Path path) {
    try {
      return FilePaths.whereItLeads(path);
    } catch (IOException unreadable) {
      return path.toAbsolutePath().normalize(); // opening the file will say what is wrong
    }
  }
}
