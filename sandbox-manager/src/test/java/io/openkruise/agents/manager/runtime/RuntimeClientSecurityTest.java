package io.openkruise.agents.manager.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.support.FakeRuntime;
import io.openkruise.agents.manager.support.Fixtures;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The manager's runtime calls carry the sandbox's bootstrap token and go only to the pod IP the
 * controller observed, never to a {@code runtime-url} a tenant could have written.
 */
@io.openkruise.agents.testing.tier.UnitTier
class RuntimeClientSecurityTest {
  static final SandboxSecrets SECRETS = SandboxSecrets.fromKey("0123456789abcdef".repeat(4));

  @Test
  void initAndMountCarryTheBootstrapTokenToThePodIpOnly() throws Exception {
    try (FakeRuntime pod = new FakeRuntime();
        FakeRuntime decoy = new FakeRuntime()) {
      Sandbox s = Fixtures.available("ns", "sbx-1", "tpl", pod.url(), true);
      s.getMetadata().setUid("uid-1");
      s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_RUNTIME_URL, decoy.url());
      s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_ENVD_URL_LEGACY, decoy.url());
      RuntimeClient client =
          new RuntimeClient(49983, 1, Duration.ofMillis(10), Duration.ofSeconds(2), SECRETS);

      assertThat(client.init(s, Map.of("A", "1"), "tok", null)).isEmpty();
      assertThat(client.csiMount(s, "tok", "local.csi.agents.kruise.io", "e30=")).isEmpty();

      assertThat(decoy.calls).isEmpty();
      assertThat(pod.calls)
          .hasSize(2)
          .allSatisfy(
              c -> assertThat(c.bootstrapHeader()).isEqualTo(SECRETS.bootstrapToken("uid-1")));
    }
  }

  @Test
  void aHostnameInTheStatusIsNotDialled() {
    Sandbox s = Fixtures.available("ns", "sbx-2", "tpl", null, true);
    s.getStatus().setSandboxIp("attacker.example");
    RuntimeClient client =
        new RuntimeClient(49983, 1, Duration.ofMillis(10), Duration.ofSeconds(1), SECRETS);
    assertThat(client.baseUrl(s)).isEmpty();
  }
}
