package io.openkruise.agents.envd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class RuntimeAddressTest {

  @Test
  void ipv4OnTheDefaultPort() {
    assertThat(RuntimeAddress.envd("10.0.0.7")).contains("http://10.0.0.7:49983");
    assertThat(RuntimeAddress.baseUrl("127.1.0.2", EnvdPorts.CODE_INTERPRETER))
        .contains("http://127.1.0.2:49999");
  }

  @Test
  void ipv6IsBracketedOnce() {
    assertThat(RuntimeAddress.envd("fd00::1")).contains("http://[fd00::1]:49983");
    assertThat(RuntimeAddress.envd("::1")).contains("http://[::1]:49983");
    assertThat(RuntimeAddress.envd("2001:db8:0:0:0:0:0:42"))
        .contains("http://[2001:db8:0:0:0:0:0:42]:49983");
    assertThat(RuntimeAddress.envd("::ffff:10.0.0.1")).contains("http://[::ffff:10.0.0.1]:49983");
    assertThat(RuntimeAddress.envd("[fd00::1]")).contains("http://[fd00::1]:49983");
  }

  @Test
  void onlyIpLiteralsAreDialled() {
    for (String bad :
        new String[] {
          null,
          "",
          "evil.example",
          "localhost",
          "abc",
          "10.0.0.256",
          "127.1",
          "10.0.0.1:80",
          "fe80::1%eth0",
          "[[fd00::1]]",
          "[10.0.0.1]",
          "1:2",
          "fd00::1::2",
          "10.0.0.1/evil"
        }) {
      assertThat(RuntimeAddress.envd(bad)).as(bad).isEmpty();
      assertThat(RuntimeAddress.isIpLiteral(bad)).as(bad).isFalse();
    }
    assertThat(RuntimeAddress.isIpLiteral("fd00::1")).isTrue();
  }
}
