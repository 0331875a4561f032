package io.openkruise.agents.localcluster.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Kills child processes if this JVM dies without stopping them (kill -9, a surefire fork timeout):
 * a small shell waits for the JVM to go, then SIGKILLs every pid listed in a file, optionally runs
 * a cleanup command and removes a directory. The owner keeps the file current as children start and
 * stop. Used by the control plane (etcd, apiserver), the node's process containers and the real
 * node (whose cleanup command tears down its namespaces and cgroups).
 */
public final class ProcessWatchdog implements AutoCloseable {
  private static final String SCRIPT =
      "jvm=$1; pids=$2; dir=$3; shift 3; "
          + "while kill -0 \"$jvm\" 2>/dev/null; do sleep 1; done; "
          + "for p in $(cat \"$pids\" 2>/dev/null); do kill -9 \"$p\" 2>/dev/null; done; "
          + "if [ $# -gt 0 ]; then \"$@\"; fi; "
          + "if [ -n \"$dir\" ]; then rm -rf \"$dir\"; fi";

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
    return start(name, pidFile, removeAfter, List.of());
  }

  /**
   * As {@link #start(String, Path, Path)}, and runs {@code cleanup} (a command and its arguments)
   * after the kills and before the directory is removed.
   */
  public static ProcessWatchdog start(
      String name, Path pidFile, Path removeAfter, List<String> cleanup) {
    try {
      Files.createDirectories(pidFile.getParent());
      Files.writeString(pidFile, "");
      List<String> command = new ArrayList<>();
      command.addAll(
          List.of(
              "sh",
              "-c",
              SCRIPT,
              name,
              Long.toString(ProcessHandle.current().pid()),
              pidFile.toString(),
              removeAfter == null ? "" : removeAfter.toString()));
      command.addAll(cleanup);
      Process shell =
          new ProcessBuilder(command)
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
