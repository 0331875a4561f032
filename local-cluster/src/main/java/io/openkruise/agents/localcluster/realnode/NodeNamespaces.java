package io.openkruise.agents.localcluster.realnode;

import io.openkruise.agents.localcluster.process.RunDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The node's network namespace, veth and cgroups, made and removed by the plumbing script ({@code
 * local-cluster/bin/real-node up|down <run dir>}, which reads the run dir's {@code node.conf}).
 */
final class NodeNamespaces {
  private static final Logger LOG = Logger.getLogger(NodeNamespaces.class.getName());

  private NodeNamespaces() {}

  /** Picks a free index and creates the namespace, veth and cgroups; retries on a clash. */
  static NodePlan up(Path runDir, Path script) {
    int from = 1;
    for (int attempt = 0; attempt < 5; attempt++) {
      Set<String> netns =
          HostCommand.run(List.of("ip", "netns", "list"), Duration.ofSeconds(10))
              .output()
              .lines()
              .map(l -> l.split(" ")[0])
              .collect(Collectors.toSet());
      String routes = HostCommand.run(List.of("ip", "route"), Duration.ofSeconds(10)).output();
      NodePlan p = new NodePlan(NodePlan.pickIndex(from, netns, routes), runDir);
      try {
        Files.writeString(runDir.resolve("node.conf"), p.nodeConf());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      HostCommand.Result up =
          HostCommand.run(
              List.of("bash", script.toString(), "up", runDir.toString()), Duration.ofSeconds(30));
      if (up.rc() == 0) {
        return p;
      }
      // Another run took the index between our look and our claim: undo ours, try the next.
      down(runDir, script, Duration.ofSeconds(60));
      if (!up.output().contains("File exists")) {
        throw new IllegalStateException("real-node up failed:\n" + up.output());
      }
      from = p.index() + 1;
    }
    throw new IllegalStateException("cannot claim a real-node index after 5 attempts");
  }

  /**
   * Kills every process in the run's cgroups (containers included) and deletes its namespaces and
   * cgroups, if {@link #up} got as far as writing {@code node.conf}.
   */
  static HostCommand.Result down(Path runDir, Path script, Duration timeout) {
    if (!Files.exists(runDir.resolve("node.conf"))) {
      return new HostCommand.Result(0, "");
    }
    return HostCommand.run(List.of("bash", script.toString(), "down", runDir.toString()), timeout);
  }

  /**
   * Tears down runs whose JVM is gone and whose watchdog could not (killed with its process group):
   * the next run cleans up after them.
   */
  static void reapStale(Path parent, String prefix, Path script) {
    for (Path dir : RunDirs.abandoned(parent, prefix)) {
      HostCommand.Result r = down(dir, script, Duration.ofMinutes(2));
      if (r.rc() != 0) {
        LOG.warning("cannot tear down the stale real node in " + dir + ":\n" + r.output());
      }
      RunDirs.delete(dir);
    }
  }
}
