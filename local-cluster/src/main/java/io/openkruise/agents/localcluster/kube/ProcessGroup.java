package io.openkruise.agents.localcluster.kube;

import io.openkruise.agents.localcluster.process.ChildProcess;
import io.openkruise.agents.localcluster.process.ProcessSupervisor;
import io.openkruise.agents.localcluster.process.ProcessWatchdog;
import io.openkruise.agents.localcluster.process.RunDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The control plane's processes in its work dir. A watchdog shell kills them and removes the work
 * dir if this JVM dies without running its shutdown hooks (kill -9, a surefire fork timeout), so no
 * apiserver outlives its test run.
 */
final class ProcessGroup implements AutoCloseable {
  private static final List<String> OUR_BINARIES =
      List.of("/etcd", "/kube-apiserver", "/kube-controller-manager");

  private final ProcessWatchdog watchdog;
  private final ProcessSupervisor supervisor;

  ProcessGroup(Path workDir) {
    this(workDir, Duration.ofSeconds(120));
  }

  ProcessGroup(Path workDir, Duration startTimeout) {
    RunDirs.claim(workDir);
    // Also removes the work dir: a killed JVM leaves neither processes nor data behind.
    watchdog =
        ProcessWatchdog.start("kruise-local-cluster-watchdog", workDir.resolve("pids"), workDir);
    supervisor = new ProcessSupervisor(workDir, watchdog, startTimeout, Duration.ofMillis(50));
  }

  /**
   * Removes work dirs under {@code parent} whose owning JVM is gone, killing any of our processes
   * still listed there. The watchdog normally does this; it cannot when its whole process group was
   * killed at once (e.g. a script that kills its job group).
   */
  static void reapStale(Path parent, String prefix) {
    for (Path dir : RunDirs.abandoned(parent, prefix)) {
      try {
        for (String line : Files.readAllLines(dir.resolve("pids"))) {
          if (!line.isBlank()) {
            ProcessHandle.of(Long.parseLong(line.strip()))
                .filter(ProcessGroup::isOurBinary)
                .ifPresent(ProcessHandle::destroyForcibly);
          }
        }
      } catch (IOException | RuntimeException e) {
        // no readable pid list: nothing of ours to kill
      }
      RunDirs.delete(dir);
    }
  }

  private static boolean isOurBinary(ProcessHandle h) {
    return h.info().command().map(c -> OUR_BINARIES.stream().anyMatch(c::endsWith)).orElse(false);
  }

  ChildProcess start(String name, List<String> command) {
    return supervisor.start(name, command);
  }

  /** Kills one daemon with SIGKILL and waits until it is gone (its ports are free again). */
  void kill(ChildProcess child) {
    supervisor.kill(child);
  }

  void await(String what, BooleanSupplier ready, List<ChildProcess> watched) {
    supervisor.await(what, ready, watched);
  }

  /** Every process we started that is still alive, descendants included (not the watchdog). */
  List<ProcessHandle> alive() {
    return supervisor.alive();
  }

  /** Kills every process at once with SIGKILL (see {@link ProcessSupervisor#killAll()}). */
  @Override
  public void close() {
    supervisor.killAll();
    watchdog.close();
    try {
      watchdog.toHandle().onExit().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // a zombie we cannot reap is not worth failing the teardown for
    }
  }
}
