package io.openkruise.agents.localcluster.kube;

import io.openkruise.agents.localcluster.process.ProcessWatchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
  private final List<Child> children = new ArrayList<>();
  private final ProcessWatchdog watchdog;

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

  static final String OWNER_FILE = "owner";

  private static final List<String> OUR_BINARIES =
      List.of("/etcd", "/kube-apiserver", "/kube-controller-manager");

  /** Pid and start time: a reused pid does not look like the owner. */
  private static String ownerId(ProcessHandle h) {
    return h.pid() + " " + h.info().startInstant().map(Object::toString).orElse("?");
  }

  /**
   * Removes work dirs under {@code parent} whose owning JVM is gone, killing any of our processes
   * still listed there. The watchdog normally does this; it cannot when its whole process group was
   * killed at once (e.g. a script that kills its job group).
   */
  static void reapStale(Path parent, String prefix) {
    try (Stream<Path> dirs = Files.list(parent)) {
      for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).toList()) {
        Path owner = dir.resolve(OWNER_FILE);
        if (!Files.isRegularFile(owner)) {
          continue; // being created, or not ours
        }
        String id = Files.readString(owner).strip();
        long pid = Long.parseLong(id.split(" ")[0]);
        boolean alive = ProcessHandle.of(pid).map(h -> ownerId(h).equals(id)).orElse(false);
        if (alive) {
          continue;
        }
        for (String line : Files.readAllLines(dir.resolve("pids"))) {
          if (line.isBlank()) {
            continue;
          }
          ProcessHandle.of(Long.parseLong(line.strip()))
              .filter(
                  h ->
                      h.info()
                          .command()
                          .map(c -> OUR_BINARIES.stream().anyMatch(c::endsWith))
                          .orElse(false))
              .ifPresent(ProcessHandle::destroyForcibly);
        }
        LocalKubernetes.deleteRecursively(dir);
      }
    } catch (IOException | RuntimeException e) {
      // best effort: a dir we cannot read is left alone
    }
  }

  ProcessGroup(Path workDir) {
    this.workDir = workDir;
    try {
      Files.createDirectories(workDir.resolve("logs"));
      Files.writeString(workDir.resolve(OWNER_FILE), ownerId(ProcessHandle.current()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + workDir, e);
    }
    // Also removes the work dir: a killed JVM leaves neither processes nor data behind.
    watchdog =
        ProcessWatchdog.start("kruise-local-cluster-watchdog", workDir.resolve("pids"), workDir);
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
      watchdog.add(p.pid());
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
