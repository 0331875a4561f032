package io.openkruise.agents.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ManagerLogsTest {

  @Test
  void readsTheStepsOfCreateLinesAndKeepsColdCreatesApart() {
    Map<String, Histogram> steps = new TreeMap<>();
    ManagerLogs.add(
        "2026-12-01 10:00:00,000 INFO [io.ope.age.man.lif.SandboxCreation] claimed sandbox=abc"
            + " template=t owner=o conflicts=0 created=false claimMs=7.5 initMs=12.0 cacheMs=0.2"
            + " latencyMs=20",
        steps);
    ManagerLogs.add(
        "claimed sandbox=def template=t owner=o conflicts=0 created=true claimMs=9.0 readyMs=900.0"
            + " latencyMs=930",
        steps);
    ManagerLogs.add("some other line initMs=5", steps);

    assertThat(steps)
        .containsOnlyKeys(
            "claim", "init", "cache", "latency", "cold-claim", "cold-ready", "cold-latency");
    assertThat(steps.get("claim").getTotalCount()).isEqualTo(1);
    assertThat(steps.get("claim").getMaxValue()).isBetween(7_490L, 7_510L);
    assertThat(steps.get("cold-ready").getMaxValue()).isBetween(899_000L, 901_000L);
  }
}
