package io.openkruise.agents.localcluster.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Kills child processes if this JVM dies without stopping them (kill -9, a surefire fork timeout):
 * a small shell waits for the JVM to go, then SIGKILLs every pid listed in a file and optionally
 * removes a directory. The owner keeps the file current as children start and stop. Used by the
 * control plane (etcd, apiserver) and by the node's process containers.
 */
public final class ProcessWatchdog implements AutoCloseable {
  private static final String SCRIPT =
      "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; "
          + "for p in $(cat \"$2\" 2>/dev/null); do kill -9 \"$p\" 2>/dev/null; done; "
          + "if [ -n \"$3\" ]; then rm -rf \"$3\"; fi";

  private final Path pidFile;
  private final Process shell;
  private final Set<Long> pids = new LinkedHashSet<>();

  private ProcessWatchdog(Path pidFile, Process shell) {
    this.pidFile = pidFile;
    this.shell = shell;
  }

  /**
   * @param name the shell's {@code $0}, so {@code ps} says whose watchdog it is
   * @param pidFile where the pids are kept (one per line)
   * @param removeAfter a directory to delete once the JVM is gone, or null
   */
  public static ProcessWatchdog start(String name, Path pidFile, Path removeAfter) {
    try {
      Files.createDirectories(pidFile.getParent());
      Files.writeString(pidFile, "");
      Process shell =
          new ProcessBuilder(
                  "sh",
                  "-c",
                  SCRIPT,
                  name,
                  Long.toString(ProcessHandle.current().pid()),
                  pidFile.toString(),
                  removeAfter == null ? "" : removeAfter.toString())
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      return new ProcessWatchdog(pidFile, shell);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the " + name, e);
    }
  }

  public synchronized void add(long pid) {
    pids.add(pid);
    write();
  }

  public synchronized void remove(long pid) {
    pids.remove(pid);
    write();
  }

  /** The watchdog shell itself, for callers that wait for their processes to exit. */
  public ProcessHandle toHandle() {
    return shell.toHandle();
  }

  private void write() {
    try {
      Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
      Files.writeString(
          tmp, pids.stream().map(String::valueOf).collect(Collectors.joining("\n", "", "\n")));
      Files.move(tmp, pidFile, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the watchdog (the caller has stopped its processes itself). */
  @Override
  public synchronized void close() {
    shell.destroyForcibly();
  }
}
