package io.openkruise.agents.runtime.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Signals whole process groups. Every command is spawned through {@code setsid}, so its pid is also
 * its group id and {@code kill -SIG -- -pid} reaches everything it forked.
 */
public final class ProcessGroups {
  private static final Logger LOG = Logger.getLogger(ProcessGroups.class.getName());
  static final String SETSID = findExecutable("setsid");
  private static final String KILL = findExecutable("kill");

  private ProcessGroups() {}

  /** Path of {@code setsid}, or null when missing (commands then share our group). */
  public static String setsidPath() {
    return SETSID;
  }

  /** True when commands get their own process group. */
  public static boolean available() {
    return SETSID != null && KILL != null;
  }

  public static void signal(Process process, int sig) {
    long pid = process.pid();
    if (available() && kill(sig, "-" + pid)) {
      return;
    }
    if (sig != 9 && sig != 15) {
      // Not a termination (SIGINT interrupts a cell): signal the process itself if the group
      // signal failed; never fall back to ending it.
      if (KILL != null && !kill(sig, String.valueOf(pid))) {
        LOG.log(Level.FINE, "signal " + sig + " to " + pid + " failed");
      }
      return;
    }
    // Fallback: descendants first, then the process itself (SIGTERM or SIGKILL only).
    process
        .descendants()
        .forEach(
            h -> {
              if (sig == 9) {
                h.destroyForcibly();
              } else {
                h.destroy();
              }
            });
    if (sig == 9) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
  }

  /** Signals a group by id (its leader may be gone); errors are ignored. */
  public static void signalGroup(long pgid, int sig) {
    if (KILL != null) {
      kill(sig, "-" + pgid);
    }
  }

  /** {@code kill -s SIG -- TARGET} (a pid, or {@code -pgid}); true when it succeeded in time. */
  private static boolean kill(int sig, String target) {
    try {
      Process k =
          new ProcessBuilder(KILL, "-s", String.valueOf(sig), "--", target)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return k.waitFor(5, TimeUnit.SECONDS) && k.exitValue() == 0;
    } catch (IOException e) {
      LOG.log(Level.FINE, "kill -s " + sig + " -- " + target + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  /** True when a live process belongs to group {@code pgid} (Linux /proc; false elsewhere). */
  public static boolean hasMembers(long pgid) {
    try (java.nio.file.DirectoryStream<Path> ds =
        Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : ds) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 4);
          if (!"Z".equals(f[0]) && Long.parseLong(f[2]) == pgid) {
            return true;
          }
        } catch (IOException | RuntimeException e) {
          // Exited while we looked.
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  static String findExecutable(String name) {
    for (String dir : new String[] {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }
}
