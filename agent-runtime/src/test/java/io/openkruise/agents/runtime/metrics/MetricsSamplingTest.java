package io.openkruise.agents.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.openkruise.agents.testing.tier.UnitTier
class MetricsSamplingTest {

  private static ResourceSample at(long ms) {
    return new ResourceSample(ms, 1, 0, 1, 2, 0, 1, 2);
  }

  @Test
  void ringKeepsTheNewestAndServesInclusiveRanges() {
    SampleRing ring = new SampleRing(3);
    assertTrue(ring.latest().isEmpty());
    for (long t = 1; t <= 5; t++) {
      ring.add(at(t * 1000));
    }
    assertEquals(
        List.of(3000L, 4000L, 5000L),
        ring.range(0, Long.MAX_VALUE).stream().map(ResourceSample::timestampMs).toList());
    assertEquals(
        List.of(4000L), ring.range(4000, 4999).stream().map(ResourceSample::timestampMs).toList());
    assertEquals(List.of(), ring.range(0, 2999));
    assertEquals(5000L, ring.latest().orElseThrow().timestampMs());
  }

  @Test
  void cpuPercentIsTheShareOfAllCpusBetweenTwoReads() {
    Usage first = new Usage(0, 0, 2, 10, 100, 5, 1, 10);
    // 1 s of wall time, 1 s of CPU on a 2-CPU sandbox: 50 %.
    Usage second = new Usage(1_000_000_000L, 1_000_000_000L, 2, 20, 100, 5, 1, 10);
    assertEquals(0.0, SampleMath.sample(null, first, 1).cpuUsedPct());
    ResourceSample s = SampleMath.sample(first, second, 2);
    assertEquals(50.0, s.cpuUsedPct(), 0.001);
    assertEquals(20, s.memUsed());
    assertEquals(2, s.cpuCount());
    // Counters that go backwards (a process ended) never give a negative share.
    assertEquals(0.0, SampleMath.sample(second, first, 3).cpuUsedPct());
  }

  @Test
  void usedNeverExceedsTotal() {
    ResourceSample s = SampleMath.sample(null, new Usage(0, 0, 0, 500, 100, 300, 50, 10), 1);
    assertEquals(100, s.memUsed());
    assertEquals(100, s.memCache());
    assertEquals(10, s.diskUsed());
    assertEquals(1, s.cpuCount());
  }

  @Test
  void readsCgroupV2(@TempDir Path root) throws Exception {
    Files.writeString(root.resolve("cpu.stat"), "usage_usec 2500\nuser_usec 2000\n");
    Files.writeString(root.resolve("memory.current"), "1000000\n");
    Files.writeString(root.resolve("memory.max"), "4000000\n");
    Files.writeString(
        root.resolve("memory.stat"), "anon 600000\nfile 300000\ninactive_file 100000\n");
    assertTrue(CgroupUsage.available(root));
    Usage u = new CgroupUsage(root, root, 8_000_000).read();
    assertEquals(2_500_000, u.cpuNanos());
    assertEquals(900_000, u.memUsed());
    assertEquals(4_000_000, u.memTotal());
    assertEquals(300_000, u.memCache());
    assertTrue(u.diskTotal() > 0);
  }

  @Test
  void readsCgroupV1WithoutALimit(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("cpu,cpuacct"));
    Files.createDirectories(root.resolve("memory"));
    Files.writeString(root.resolve("cpu,cpuacct/cpuacct.usage"), "123456789\n");
    Files.writeString(root.resolve("memory/memory.usage_in_bytes"), "5000\n");
    Files.writeString(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
    Files.writeString(
        root.resolve("memory/memory.stat"),
        "cache 700\nrss 4000\ntotal_cache 800\ntotal_inactive_file 1000\n");
    assertTrue(CgroupUsage.available(root));
    Usage u = new CgroupUsage(root, root, 8_000).read();
    assertEquals(123456789, u.cpuNanos());
    assertEquals(4000, u.memUsed());
    assertEquals(8_000, u.memTotal(), "no limit: the machine's memory");
    assertEquals(800, u.memCache());
  }

  @Test
  void parsesProcStat() {
    String stat =
        "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 37 5 0 0 20 0 1 0 1000 0 0";
    assertEquals(42, ProcessTreeUsage.cpuTicks(stat));
    assertEquals(77, ProcessTreeUsage.residentPages("1000 77 30 1 0 50 0\n"));
  }

  @Test
  void processTreeCountsTheSandboxFiles(@TempDir Path root) throws Exception {
    Files.write(root.resolve("a"), new byte[1234]);
    Files.createDirectories(root.resolve("d"));
    Files.write(root.resolve("d/b"), new byte[66]);
    Usage u =
        new ProcessTreeUsage(() -> List.of(ProcessHandle.current()), root, 1 << 30, 4096).read();
    assertEquals(1300, u.diskUsed());
    assertTrue(u.memUsed() > 0, "the current process is resident");
    assertTrue(u.cpuNanos() > 0);
    assertEquals(1 << 30, u.memTotal());
  }
}
