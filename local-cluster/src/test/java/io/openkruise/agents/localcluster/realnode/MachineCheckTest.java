package io.openkruise.agents.localcluster.realnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.localcluster.realnode.MachineCheck.Facts;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class MachineCheckTest {
  static final String HYBRID_MOUNTS =
      """
      cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
      cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
      cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0
      cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
      cgroup /sys/fs/cgroup/devices cgroup rw,relatime,devices 0 0
      cgroup /sys/fs/cgroup/freezer cgroup rw,relatime,freezer 0 0
      cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
      cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
      """;
  static final String FILESYSTEMS = "nodev\tsysfs\nnodev\toverlay\n\text4\n";

  static Facts facts(long uid, String filesystems, String mounts, List<String> missing) {
    return new Facts("Linux", uid, filesystems, mounts, missing, "auto");
  }

  @Test
  void aRootHybridCgroupHostWithOverlayCanRunANode() {
    assertThat(MachineCheck.whyNot(facts(0, FILESYSTEMS, HYBRID_MOUNTS, List.of()))).isEmpty();
  }

  @Test
  void everyMissingCapabilityIsNamed() {
    assertThat(
            MachineCheck.whyNot(
                facts(
                    1000,
                    "nodev\tsysfs\n",
                    "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu,cpuacct 0 0\n",
                    List.of("nsenter"))))
        .hasValueSatisfying(
            r ->
                assertThat(r)
                    .contains("not root (uid 1000)")
                    .contains("no overlay filesystem")
                    .contains("cgroup v1 controllers not mounted: cpuset, memory, pids")
                    .contains("commands not found: nsenter"));
  }

  @Test
  void aPureCgroupV2HostIsNamedAsSuch() {
    assertThat(
            MachineCheck.whyNot(
                facts(0, FILESYSTEMS, "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n", List.of())))
        .hasValueSatisfying(r -> assertThat(r).contains("cgroup v2 only"));
  }

  @Test
  void theTierCanBeSwitchedOffAndNeedsLinux() {
    assertThat(
            MachineCheck.whyNot(
                new Facts("Linux", 0, FILESYSTEMS, HYBRID_MOUNTS, List.of(), "off")))
        .hasValueSatisfying(r -> assertThat(r).contains(MachineCheck.PROPERTY + "=off"));
    assertThat(
            MachineCheck.whyNot(
                new Facts("Mac OS X", 0, FILESYSTEMS, HYBRID_MOUNTS, List.of(), "auto")))
        .hasValueSatisfying(r -> assertThat(r).contains("not Linux"));
  }
}
