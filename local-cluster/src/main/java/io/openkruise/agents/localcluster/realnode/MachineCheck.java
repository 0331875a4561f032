package io.openkruise.agents.localcluster.realnode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Can this machine run a real node? Root, Linux, overlayfs, the cgroup v1 hierarchies kubelet and
 * runc need, and iproute2/util-linux. The tier skips with {@link #whyNot} as its printed reason.
 */
public final class MachineCheck {
  /** Set to {@code off} to skip the real-node tier even where the machine allows it. */
  public static final String PROPERTY = "kruise.local-cluster.real-node";

  /** Controllers kubelet's cgroupfs driver and runc use on cgroup v1. */
  static final List<String> REQUIRED_CONTROLLERS =
      List.of("cpu", "cpuacct", "cpuset", "memory", "pids", "devices", "freezer");

  static final List<String> REQUIRED_COMMANDS = List.of("ip", "nsenter", "unshare", "tar");

  private MachineCheck() {}

  /** What we know about the machine; {@link #ofThisMachine()} reads it. */
  public record Facts(
      String osName,
      long uid,
      String filesystems,
      String mounts,
      List<String> missingCommands,
      String property) {

    public static Facts ofThisMachine() {
      return new Facts(
          System.getProperty("os.name", ""),
          currentUid(),
          read(Path.of("/proc/filesystems")),
          read(Path.of("/proc/self/mounts")),
          REQUIRED_COMMANDS.stream().filter(c -> !onPath(c)).toList(),
          System.getProperty(PROPERTY, "auto"));
    }

    private static long currentUid() {
      for (String line : read(Path.of("/proc/self/status")).split("\n")) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).strip().split("\\s+")[0]);
        }
      }
      return -1;
    }

    private static String read(Path p) {
      try {
        return Files.readString(p);
      } catch (IOException | RuntimeException e) {
        return "";
      }
    }

    private static boolean onPath(String command) {
      String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
      return Stream.of(path.split(":"))
          .filter(d -> !d.isEmpty())
          .anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }
  }

  public static Optional<String> whyNotThisMachine() {
    return whyNot(Facts.ofThisMachine());
  }

  /** Empty when a real node can run; else every reason it cannot, in one line. */
  public static Optional<String> whyNot(Facts f) {
    if ("off".equalsIgnoreCase(f.property())) {
      return Optional.of("disabled with -D" + PROPERTY + "=off");
    }
    if (!f.osName().toLowerCase().startsWith("linux")) {
      return Optional.of("not Linux (" + f.osName() + ")");
    }
    List<String> reasons = new ArrayList<>();
    if (f.uid() != 0) {
      reasons.add(
          "not root (uid " + f.uid() + "): containerd, runc and network namespaces need it");
    }
    if (f.filesystems().lines().noneMatch(l -> l.strip().endsWith("overlay"))) {
      reasons.add("no overlay filesystem in /proc/filesystems");
    }
    Set<String> mounted = cgroupV1Controllers(f.mounts());
    List<String> missing = REQUIRED_CONTROLLERS.stream().filter(c -> !mounted.contains(c)).toList();
    if (!missing.isEmpty()) {
      reasons.add(
          mounted.isEmpty() && f.mounts().contains(" /sys/fs/cgroup cgroup2 ")
              ? "cgroup v2 only; local-cluster/bin/real-node supports cgroup v1 (hybrid) hosts so"
                  + " far"
              : "cgroup v1 controllers not mounted: " + String.join(", ", missing));
    }
    if (!f.missingCommands().isEmpty()) {
      reasons.add("commands not found: " + String.join(", ", f.missingCommands()));
    }
    return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", reasons));
  }

  /** Controllers of every mounted cgroup v1 hierarchy, from /proc/self/mounts. */
  static Set<String> cgroupV1Controllers(String mounts) {
    return mounts
        .lines()
        .map(l -> l.split(" "))
        .filter(f -> f.length > 3 && f[2].equals("cgroup"))
        .flatMap(f -> Stream.of(f[3].split(",")))
        .collect(Collectors.toSet());
  }
}
