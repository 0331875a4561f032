package io.openkruise.agents.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time and resident memory of the system's processes (managers, controller), read from {@code
 * /proc} so both systems are measured the same way whatever their language. A watched PID is a
 * process group leader (bin/run-local and bench/bin/go-original start each component with {@code
 * setsid}); the whole group is summed.
 */
final class ProcessUsage {

  /** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel. */
  private static final double TICKS_PER_SECOND = 100.0;

  /** One reading of one watched group: CPU seconds so far and RSS now (bytes). */
  record Reading(double cpuSeconds, long rssBytes) {}

  /** What one group used between two readings. */
  record Usage(double cpuSeconds, double rssMiB) {}

  private final Map<String, Integer> groups;

  /** {@code spec}: {@code name=pid[,name=pid...]}; empty or null watches nothing. */
  ProcessUsage(String spec) {
    this.groups = parse(spec);
  }

  static Map<String, Integer> parse(String spec) {
    Map<String, Integer> m = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return m;
    }
    for (String part : spec.trim().split("[ ,]+")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--watch-pids wants name=pid, got " + part);
      }
      m.put(part.substring(0, eq), Integer.parseInt(part.substring(eq + 1)));
    }
    return m;
  }

  Map<String, Reading> read() {
    Map<String, Reading> m = new LinkedHashMap<>();
    groups.forEach((name, pid) -> m.put(name, readGroup(pid)));
    return m;
  }

  /** Per group: CPU seconds spent between {@code from} and {@code to}, RSS at {@code to}. */
  static Map<String, Usage> between(Map<String, Reading> from, Map<String, Reading> to) {
    Map<String, Usage> m = new LinkedHashMap<>();
    to.forEach(
        (name, r) -> {
          Reading f = from.get(name);
          double cpu = f == null ? Double.NaN : r.cpuSeconds() - f.cpuSeconds();
          m.put(name, new Usage(Math.round(cpu * 100) / 100.0, r.rssBytes() / 1048576.0));
        });
    return m;
  }

  private static Reading readGroup(int pgid) {
    double cpu = 0;
    long rss = 0;
    List<Path> procs;
    try (var s = Files.list(Path.of("/proc"))) {
      procs = s.filter(p -> p.getFileName().toString().matches("\\d+")).toList();
    } catch (IOException e) {
      return new Reading(Double.NaN, 0);
    }
    for (Path p : procs) {
      try {
        String stat = Files.readString(p.resolve("stat"));
        // Fields after the command name, which is in parentheses and may hold spaces.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        int pid = Integer.parseInt(p.getFileName().toString());
        int pgrp = Integer.parseInt(f[2]);
        if (pgrp != pgid && pid != pgid) {
          continue;
        }
        cpu += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        rss += rssBytes(p);
      } catch (IOException | RuntimeException e) {
        // the process ended between listing and reading
      }
    }
    return new Reading(cpu, rss);
  }

  private static long rssBytes(Path proc) throws IOException {
    for (String line : Files.readAllLines(proc.resolve("status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    return 0;
  }
}
