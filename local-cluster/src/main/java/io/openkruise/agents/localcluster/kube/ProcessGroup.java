package io.openkruise.agents.localcluster.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The cluster's child processes. Each logs to {@code <workDir>/logs/<name>.log}. A watchdog shell
 * kills them and removes the work dir if this JVM dies without running its shutdown hooks (kill -9,
 * a surefire fork timeout), so no apiserver outlives its test run.
 */
final class ProcessGroup implements AutoCloseable {
  private final Path workDir;
  private final Path pidFile;
  private final List<Child> children = new ArrayList<>();
  private final Process watchdog;

  /** One started process and its log. */
  record Child(String name, Process process, Path log) {
    /** The last {@code lines} lines of its log, for error messages. */
    String tail(int lines) {
      try {
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n    ", all.subList(Math.max(0, all.size() - lines), all.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }
  }

  ProcessGroup(Path workDir) {
    this.workDir = workDir;
    this.pidFile = workDir.resolve("pids");
    try {
      Files.createDirectories(workDir.resolve("logs"));
      Files.writeString(pidFile, "");
      String script =
          "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; "
              + "for p in $(cat \"$2/pids\" 2>/dev/null); do kill -9 \"$p\" 2>/dev/null; done; "
              + "rm -rf \"$2\"";
      watchdog =
          new ProcessBuilder(
                  "sh",
                  "-c",
                  script,
                  "kruise-local-cluster-watchdog",
                  Long.toString(ProcessHandle.current().pid()),
                  workDir.toString())
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the watchdog", e);
    }
  }

  synchronized Child start(String name, List<String> command) {
    Path log = workDir.resolve("logs").resolve(name + ".log");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      Files.writeString(pidFile, p.pid() + "\n", StandardOpenOption.APPEND);
      Child c = new Child(name, p, log);
      children.add(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  /** Every process we started that is still alive, descendants included (not the watchdog). */
  synchronized List<ProcessHandle> alive() {
    return children.stream()
        .flatMap(c -> Stream.concat(Stream.of(c.process.toHandle()), c.process.descendants()))
        .filter(ProcessHandle::isAlive)
        .toList();
  }

  /**
   * Kills every process at once with SIGKILL. The data is throwaway, and a polite SIGTERM buys
   * nothing but time: kube-apiserver drains its watches for over ten seconds, and hangs when etcd
   * went first.
   */
  @Override
  public synchronized void close() {
    List<ProcessHandle> all = new ArrayList<>();
    for (Child c : children) {
      c.process.descendants().forEach(all::add);
      all.add(c.process.toHandle());
    }
    children.clear();
    all.add(watchdog.toHandle());
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // a zombie we cannot reap is not worth failing the teardown for
      }
    }
  }
}
