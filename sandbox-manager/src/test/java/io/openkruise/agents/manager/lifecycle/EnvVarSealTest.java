package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class EnvVarSealTest {

  final EnvVarSeal seal = EnvVarSeal.fromSandboxKey("test-only-sandbox-key-0000000000000000");

  @Test
  void opensForTheOwnerWithTheSameKeyOnly() {
    String sealed = seal.seal("owner-a", Map.of("DB_PASSWORD", "hunter2"));
    assertThat(sealed).startsWith("aesgcm1:").doesNotContain("hunter2").doesNotContain("DB_");
    assertThat(seal.open("owner-a", sealed)).contains(Map.of("DB_PASSWORD", "hunter2"));
    assertThat(
            EnvVarSeal.fromSandboxKey("test-only-sandbox-key-0000000000000000")
                .open("owner-a", sealed))
        .contains(Map.of("DB_PASSWORD", "hunter2"));
    assertThat(seal.open("owner-b", sealed)).isEmpty();
    assertThat(
            EnvVarSeal.fromSandboxKey("another-sandbox-key-111111111111111")
                .open("owner-a", sealed))
        .isEmpty();
  }

  @Test
  void plainOrDamagedValuesDoNotOpen() {
    String sealed = seal.seal("o", Map.of("K", "v"));
    assertThat(seal.open("o", "{\"K\":\"v\"}")).isEmpty();
    assertThat(seal.open("o", null)).isEmpty();
    assertThat(seal.open("o", "aesgcm1:!!!")).isEmpty();
    // One changed base64 digit inside the ciphertext (not in the padding bits at the end).
    int at = "aesgcm1:".length() + 20;
    String flipped =
        sealed.substring(0, at) + (sealed.charAt(at) == 'A' ? 'B' : 'A') + sealed.substring(at + 1);
    assertThat(seal.open("o", flipped)).isEmpty();
    assertThat(seal.seal("o", Map.of("K", "v"))).isNotEqualTo(sealed); // fresh nonce each time
  }
}
