package io.openkruise.agents.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class SandboxSecretsTest {

  private static final String KEY = "0123456789abcdef0123456789abcdef";

  @Test
  void derivationIsStablePerUidAndDiffersAcrossUidsPurposesAndKeys() {
    SandboxSecrets secrets = SandboxSecrets.fromKey(KEY);
    String uid = "6f1c2a9e-0000-4000-8000-000000000001";

    assertThat(secrets.bootstrapToken(uid))
        .isEqualTo(SandboxSecrets.fromKey(KEY).bootstrapToken(uid));
    assertThat(secrets.bootstrapToken(uid)).hasSize(64).matches("[0-9a-f]+");
    assertThat(secrets.bootstrapToken(uid)).isNotEqualTo(secrets.accessToken(uid));
    assertThat(secrets.trafficToken(uid))
        .isNotEqualTo(secrets.accessToken(uid))
        .isNotEqualTo(secrets.bootstrapToken(uid))
        .isEqualTo(secrets.trafficToken(uid));
    assertThat(secrets.bootstrapToken(uid))
        .isNotEqualTo(secrets.bootstrapToken("6f1c2a9e-0000-4000-8000-000000000002"));
    assertThat(secrets.bootstrapToken(uid))
        .isNotEqualTo(SandboxSecrets.fromKey(KEY.replace('0', 'x')).bootstrapToken(uid));
  }

  @Test
  void refusesShortKeysAndEmptyUids() {
    assertThatThrownBy(() -> SandboxSecrets.fromKey("short"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 32");
    assertThatThrownBy(() -> SandboxSecrets.fromKey(null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SandboxSecrets.fromKey(KEY).accessToken(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void runtimeSecretIsNamedAfterTheSandbox() {
    assertThat(SandboxSecrets.runtimeSecretName("code-interpreter-x7k2p"))
        .isEqualTo("code-interpreter-x7k2p-runtime");
  }
}
