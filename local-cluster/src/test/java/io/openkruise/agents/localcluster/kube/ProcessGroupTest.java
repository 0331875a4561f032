package io.openkruise.agents.localcluster.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.openkruise.agents.testing.tier.UnitTier
class ProcessGroupTest {

  @Test
  void staleWorkDirsAreReapedAndLiveOnesKept(@TempDir Path parent) throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    ProcessHandle goneHandle = gone.toHandle();
    Process unrelated = new ProcessBuilder("sleep", "60").start();
    try {
      Path stale = parent.resolve("kruise-local-cluster-stale");
      Files.createDirectories(stale.resolve("etcd"));
      Files.writeString(stale.resolve("owner"), goneHandle.pid() + " 2000-01-01T00:00:00Z");
      // A pid that is not one of our binaries (a reused pid) must survive the reaping.
      Files.writeString(stale.resolve("pids"), unrelated.pid() + "\n");

      Path live = parent.resolve("kruise-local-cluster-live");
      try (ProcessGroup group = new ProcessGroup(live)) {
        Path foreign = Files.createDirectories(parent.resolve("kruise-local-cluster-no-owner"));

        ProcessGroup.reapStale(parent, "kruise-local-cluster-");

        assertThat(stale).doesNotExist();
        assertThat(live).isDirectory();
        assertThat(foreign).isDirectory();
        assertThat(unrelated.isAlive()).isTrue();
        assertThat(group.alive()).isEmpty();
      }
    } finally {
      unrelated.destroyForcibly();
    }
  }
}
