package io.openkruise.agents.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ProcessUsageTest {

  @Test
  void parsesNamePidPairs() {
    assertThat(ProcessUsage.parse("sandbox-manager-1=12,controller-manager=34"))
        .containsExactly(Map.entry("sandbox-manager-1", 12), Map.entry("controller-manager", 34));
    assertThat(ProcessUsage.parse(" ")).isEmpty();
    assertThatThrownBy(() -> ProcessUsage.parse("12")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readsThisJvmsCpuAndMemoryFromProc() {
    long pid = ProcessHandle.current().pid();
    Map<String, ProcessUsage.Reading> r = new ProcessUsage("self=" + pid).read();
    assertThat(r.get("self").cpuSeconds()).isPositive();
    assertThat(r.get("self").rssBytes()).isPositive();
  }
}
