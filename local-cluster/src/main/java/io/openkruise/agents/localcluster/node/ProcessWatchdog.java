package io.openkruise.agents.localcluster.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Kills the node's container processes if this JVM dies without stopping them (kill -9, a surefire
 * fork timeout): a small shell waits for the JVM to go, then SIGKILLs every pid listed in a file.
 * The node keeps the file current as containers start and stop.
 */
final class ProcessWatchdog implements AutoCloseable {
  private final Path pidFile;
  private final Process shell;
  private final Set<Long> pids = new LinkedHashSet<>();

  private ProcessWatchdog(Path pidFile, Process shell) {
    this.pidFile = pidFile;
    this.shell = shell;
  }

  static ProcessWatchdog start(Path pidFile) {
    try {
      Files.createDirectories(pidFile.getParent());
      Files.writeString(pidFile, "");
      String script =
          "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; "
              + "for p in $(cat \"$2\" 2>/dev/null); do kill -9 \"$p\" 2>/dev/null; done";
      Process shell =
          new ProcessBuilder(
                  "sh",
                  "-c",
                  script,
                  "kruise-local-node-watchdog",
                  Long.toString(ProcessHandle.current().pid()),
                  pidFile.toString())
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      return new ProcessWatchdog(pidFile, shell);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the node's process watchdog", e);
    }
  }

  synchronized void add(long pid) {
    pids.add(pid);
    write();
  }

  synchronized void remove(long pid) {
    pids.remove(pid);
    write();
  }

  private void write() {
    try {
      Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
      Files.writeString(tmp, pids.stream().map(String::valueOf).collect(Collectors.joining("\n")));
      Files.move(tmp, pidFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() {
    shell.destroyForcibly();
  }
}
