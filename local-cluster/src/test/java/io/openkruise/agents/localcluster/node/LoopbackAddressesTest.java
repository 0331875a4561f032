package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class LoopbackAddressesTest {

  @Test
  void startsAt127_1_0_2AndCountsUp() {
    LoopbackAddresses a = new LoopbackAddresses();
    assertThat(a.allocate()).isEqualTo("127.1.0.2");
    assertThat(a.allocate()).isEqualTo("127.1.0.3");
    assertThat(a.inUse()).isEqualTo(2);
  }

  @Test
  void skipsNetworkAndBroadcastStyleOctets() {
    LoopbackAddresses a = new LoopbackAddresses("127.1.0.254");
    assertThat(a.allocate()).isEqualTo("127.1.0.254");
    assertThat(a.allocate()).isEqualTo("127.1.1.1");
  }

  @Test
  void addressesAreUniqueUntilReleased() {
    LoopbackAddresses a = new LoopbackAddresses();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      assertThat(seen.add(a.allocate())).isTrue();
    }
    assertThat(seen)
        .doesNotContain("127.0.0.1")
        .allMatch(ip -> !ip.endsWith(".0") && !ip.endsWith(".255"));
  }

  @Test
  void wrapsAroundToReleasedAddresses() {
    LoopbackAddresses a = new LoopbackAddresses("127.255.255.253");
    String first = a.allocate();
    String second = a.allocate();
    assertThat(second).isEqualTo("127.255.255.254");
    a.release(first);
    assertThat(a.allocate()).isEqualTo(first);
  }

  @Test
  void refusesTheHostsOwnRange() {
    assertThatThrownBy(() -> new LoopbackAddresses("127.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LoopbackAddresses("10.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
