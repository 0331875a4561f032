package io.openkruise.agents.localcluster.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Temp dirs owned by a JVM (a control plane's work dir, a real node's run dir): an {@value
 * #OWNER_FILE} file names the owning JVM by pid and start time, so a later run can find and clean
 * up the dirs of JVMs that died without cleaning up (killed with their watchdog).
 */
public final class RunDirs {
  private static final Logger LOG = Logger.getLogger(RunDirs.class.getName());

  public static final String OWNER_FILE = "owner";

  private RunDirs() {}

  /** Marks {@code dir} as owned by this JVM. */
  public static void claim(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(OWNER_FILE), ownerId(ProcessHandle.current()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir, e);
    }
  }

  /**
   * The dirs under {@code parent} named {@code prefix*} whose owner is gone. Dirs without an owner
   * file (being created, or not ours) are never listed.
   */
  public static List<Path> abandoned(Path parent, String prefix) {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(parent)) {
      for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).toList()) {
        Path owner = dir.resolve(OWNER_FILE);
        if (!Files.isRegularFile(owner)) {
          continue;
        }
        String id = Files.readString(owner).strip();
        long pid = Long.parseLong(id.split(" ")[0]);
        if (!ProcessHandle.of(pid).map(h -> ownerId(h).equals(id)).orElse(false)) {
          found.add(dir);
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort: a dir we cannot read is left alone
      LOG.fine("cannot list abandoned dirs under " + parent + ": " + e.getMessage());
    }
    return found;
  }

  /**
   * Deletes a dir; its {@value #OWNER_FILE} goes last, so a JVM killed halfway (a node's image
   * store is large) leaves a dir that {@link #abandoned} still finds.
   */
  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    Path owner = dir.resolve(OWNER_FILE);
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .filter(p -> !p.equals(owner) && !p.equals(dir))
          .forEach(p -> p.toFile().delete());
      owner.toFile().delete();
      dir.toFile().delete();
    } catch (IOException | UncheckedIOException e) {
      LOG.warning("cannot remove " + dir + ": " + e.getMessage());
    }
  }

  /** Pid and start time: a reused pid does not look like the owner. */
  private static String ownerId(ProcessHandle h) {
    return h.pid() + " " + h.info().startInstant().map(Object::toString).orElse("?");
  }
}
