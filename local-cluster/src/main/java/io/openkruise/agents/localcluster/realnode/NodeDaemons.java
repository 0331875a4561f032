package io.openkruise.agents.localcluster.realnode;

import io.openkruise.agents.localcluster.process.ChildProcess;
import io.openkruise.agents.localcluster.process.ProcessSupervisor;
import io.openkruise.agents.localcluster.process.ProcessWatchdog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The real node's daemons: each runs through {@code real-node exec}, which puts it in the run's
 * daemon cgroup and in the host or node network namespace and a new or a shared mount namespace.
 */
record NodeDaemons(Path runDir, Path script, ProcessSupervisor supervisor) {

  static NodeDaemons create(
      Path runDir, Path script, ProcessWatchdog watchdog, Duration startTimeout) {
    return new NodeDaemons(
        runDir,
        script,
        new ProcessSupervisor(runDir, watchdog, startTimeout, Duration.ofMillis(200)));
  }

  /**
   * @param net {@code host} or {@code node} (the node's network namespace)
   * @param mount {@code new} (a mount namespace of its own) or the pid whose namespace it joins
   */
  ChildProcess start(String name, String net, String mount, List<String> command) {
    List<String> full = new ArrayList<>(List.of("bash", script.toString(), "exec"));
    full.addAll(List.of(runDir.toString(), net, mount, "--"));
    full.addAll(command);
    return supervisor.start(name, full);
  }

  /** See {@link ProcessSupervisor#await}. */
  void await(String what, BooleanSupplier ready, List<ChildProcess> watched) {
    supervisor.await(what, ready, watched);
  }

  String logTails(int lines) {
    return supervisor.logTails(lines);
  }

  /** Kills them all; their containers go with the run's cgroups ({@code real-node down}). */
  void killAll() {
    supervisor.killAll();
  }
}
