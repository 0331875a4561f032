package io.openkruise.agents.runtime.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Usage of a sandbox that is not a container (the local run's simulated node, where many runtimes
 * share one JVM): CPU and resident memory of the processes the sandbox started and their
 * descendants (from {@code /proc/<pid>/stat}), the machine's memory as the total, and the bytes of
 * the files under the sandbox's root directory on that directory's file system. CPU of processes
 * that ended between two samples is not counted.
 */
public final class ProcessTreeUsage implements UsageReader {
  /** Stop walking the sandbox root after this many entries: a sample must stay cheap. */
  static final int MAX_FILES = 200_000;

  private static final long CLOCK_TICK_NANOS = 10_000_000L; // USER_HZ is 100 on Linux

  private final Supplier<Collection<ProcessHandle>> roots;
  private final Path rootDir;
  private final long hostMemory;
  private final long pageSize;

  public ProcessTreeUsage(
      Supplier<Collection<ProcessHandle>> roots, Path rootDir, long hostMemory, long pageSize) {
    this.roots = roots;
    this.rootDir = rootDir;
    this.hostMemory = hostMemory;
    this.pageSize = pageSize;
  }

  @Override
  public Usage read() throws IOException {
    long now = System.nanoTime();
    Set<Long> pids = new LinkedHashSet<>();
    for (ProcessHandle p : roots.get()) {
      pids.add(p.pid());
      p.descendants().forEach(d -> pids.add(d.pid()));
    }
    long ticks = 0;
    long rssPages = 0;
    for (long pid : pids) {
      try {
        ticks += cpuTicks(Files.readString(Path.of("/proc", "" + pid, "stat")));
        rssPages += residentPages(Files.readString(Path.of("/proc", "" + pid, "statm")));
      } catch (IOException e) {
        // Ended meanwhile.
      }
    }
    FileStore store = Files.getFileStore(rootDir);
    return new Usage(
        now,
        ticks * CLOCK_TICK_NANOS,
        Runtime.getRuntime().availableProcessors(),
        rssPages * pageSize,
        hostMemory,
        0,
        Math.max(1, bytesUnder(rootDir)),
        store.getTotalSpace());
  }

  /** utime + stime of a {@code /proc/<pid>/stat} line (fields 14 and 15, after the comm). */
  static long cpuTicks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      return 0;
    }
    String[] f = stat.substring(close + 2).trim().split(" ");
    // f[0] is field 3 (state): utime is field 14, stime field 15.
    if (f.length < 13) {
      return 0;
    }
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** The resident set of a {@code /proc/<pid>/statm} line, in pages. */
  static long residentPages(String statm) {
    String[] f = statm.trim().split(" ");
    return f.length > 1 ? Long.parseLong(f[1]) : 0;
  }

  /** Bytes of the regular files under {@code dir}, walking at most {@link #MAX_FILES} entries. */
  static long bytesUnder(Path dir) throws IOException {
    long[] total = {0};
    int[] seen = {0};
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              total[0] += attrs.size();
            }
            return ++seen[0] >= MAX_FILES ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            return FileVisitResult.CONTINUE;
          }
        });
    return total[0];
  }

  /** {@code MemTotal} of {@code /proc/meminfo} in bytes, or the JVM's view when unreadable. */
  public static long hostMemory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Fall through.
    }
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun.getTotalMemorySize()
        : Runtime.getRuntime().maxMemory();
  }
}
