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
    if (available()) {
      try {
        Process k =
            new ProcessBuilder(KILL, "-s", String.valueOf(sig), "--", "-" + pid)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (k.waitFor(5, TimeUnit.SECONDS) && k.exitValue() == 0) {
          return;
        }
      } catch (IOException e) {
        LOG.log(Level.FINE, "kill failed, falling back to ProcessHandle", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (sig != 9 && sig != 15) {
      // Not a termination (SIGINT interrupts a cell): signal the process itself if the group
      // signal failed; never fall back to ending it.
      signalPid(pid, sig);
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

  private static void signalPid(long pid, int sig) {
    if (KILL == null) {
      return;
    }
    try {
      Process k =
          new ProcessBuilder(KILL, "-s", String.valueOf(sig), String.valueOf(pid))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!k.waitFor(5, TimeUnit.SECONDS) || k.exitValue() != 0) {
        LOG.log(Level.FINE, "signal " + sig + " to " + pid + " failed");
      }
    } catch (IOException e) {
      LOG.log(Level.FINE, "kill of " + pid + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Signals a group by id (its leader may be gone); errors are ignored. */
  public static void signalGroup(long pgid, int sig) {
    if (KILL == null) {
      return;
    }
    try {
      new ProcessBuilder(KILL, "-s", String.valueOf(sig), "--", "-" + pgid)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      LOG.log(Level.FINE, "kill of group " + pgid + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
