package io.openkruise.agents.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link SandboxSecrets#requiredKey}: how both services fail to start without the cluster key. */
@io.openkruise.agents.testing.tier.UnitTier
class RequiredSandboxKeyTest {

  @Test
  void aConfiguredKeyIsTakenAsIs() {
    assertThat(SandboxSecrets.requiredKey(Optional.of("k".repeat(32)))).isEqualTo("k".repeat(32));
  }

  @Test
  void aMissingOrBlankKeyFailsNamingTheProperty() {
    for (Optional<String> missing : List.of(Optional.<String>empty(), Optional.of("  "))) {
      assertThatThrownBy(() -> SandboxSecrets.requiredKey(missing))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("kruise.security.sandbox-key")
          .hasMessageContaining("KRUISE_SANDBOX_KEY");
    }
  }
}
