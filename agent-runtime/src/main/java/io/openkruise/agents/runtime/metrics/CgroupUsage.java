package io.openkruise.agents.runtime.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Usage of the container the runtime runs in (on a pod the runtime shares the sandbox's main
 * container, so its cgroup is the sandbox's): cgroup v2 ({@code cpu.stat}, {@code memory.current},
 * {@code memory.max}, {@code memory.stat}) or v1 ({@code cpuacct.usage}, {@code
 * memory.usage_in_bytes}, {@code memory.limit_in_bytes}, {@code memory.stat}) as the container
 * runtime mounts them under {@code /sys/fs/cgroup}. Memory in use excludes inactive page cache, as
 * {@code docker stats} and the kubelet's working set do.
 */
public final class CgroupUsage implements UsageReader {
  private final Path cgroupRoot;
  private final Path disk;
  private final long hostMemory;

  /**
   * @param cgroupRoot usually {@code /sys/fs/cgroup}
   * @param disk a path on the sandbox's root filesystem
   * @param hostMemory the machine's memory, the ceiling when the cgroup has no limit
   */
  public CgroupUsage(Path cgroupRoot, Path disk, long hostMemory) {
    this.cgroupRoot = cgroupRoot;
    this.disk = disk;
    this.hostMemory = hostMemory;
  }

  /** Whether {@code root} holds a readable v2 or v1 memory controller. */
  public static boolean available(Path root) {
    return Files.isReadable(root.resolve("memory.current"))
        || Files.isReadable(root.resolve("memory/memory.usage_in_bytes"));
  }

  @Override
  public Usage read() throws IOException {
    long now = System.nanoTime();
    boolean v2 = Files.isReadable(cgroupRoot.resolve("memory.current"));
    long cpuNanos;
    long memCurrent;
    long memLimit;
    String stat;
    if (v2) {
      cpuNanos = statValue(read("cpu.stat"), "usage_usec").orElse(0L) * 1000;
      memCurrent = number(read("memory.current"));
      memLimit = limit(read("memory.max"));
      stat = read("memory.stat");
    } else {
      cpuNanos =
          number(
              first(
                  "cpuacct/cpuacct.usage",
                  "cpu,cpuacct/cpuacct.usage",
                  "cpuacct,cpu/cpuacct.usage"));
      memCurrent = number(read("memory/memory.usage_in_bytes"));
      memLimit = limit(read("memory/memory.limit_in_bytes"));
      stat = read("memory/memory.stat");
    }
    long memTotal = memLimit > 0 && memLimit < hostMemory ? memLimit : hostMemory;
    long inactiveFile =
        statValue(stat, "total_inactive_file")
            .or(() -> statValue(stat, "inactive_file"))
            .orElse(0L);
    long cache = statValue(stat, "file").or(() -> statValue(stat, "total_cache")).orElse(0L);
    FileStore store = Files.getFileStore(disk);
    long diskTotal = store.getTotalSpace();
    return new Usage(
        now,
        cpuNanos,
        Runtime.getRuntime().availableProcessors(),
        Math.max(0, memCurrent - inactiveFile),
        memTotal,
        cache,
        diskTotal - store.getUnallocatedSpace(),
        diskTotal);
  }

  private String read(String name) throws IOException {
    return Files.readString(cgroupRoot.resolve(name), StandardCharsets.UTF_8);
  }

  private String first(String... names) throws IOException {
    for (String n : names) {
      if (Files.isReadable(cgroupRoot.resolve(n))) {
        return read(n);
      }
    }
    return "0";
  }

  /** A value of a {@code key value} per line file such as {@code memory.stat}. */
  static Optional<Long> statValue(String content, String key) {
    for (String line : content.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0 && line.substring(0, sp).equals(key)) {
        try {
          return Optional.of(Long.parseLong(line.substring(sp + 1).trim()));
        } catch (NumberFormatException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  static long number(String content) {
    try {
      return Long.parseLong(content.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** A memory limit; 0 for none ({@code max} in v2, a huge page-rounded number in v1). */
  static long limit(String content) {
    String v = content.trim();
    if (v.equals("max")) {
      return 0;
    }
    long n = number(v);
    return n >= (1L << 60) ? 0 : n;
  }
}
