package io.openkruise.agents.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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
  void eachTokenIsHmacSha256OfPurposeAndUidUnderTheKeyFromEveryThread() throws Exception {
    SandboxSecrets secrets = SandboxSecrets.fromKey(KEY);
    List<String> uids =
        java.util.stream.IntStream.range(0, 200)
            .mapToObj(i -> "6f1c2a9e-0000-4000-8000-" + String.format("%012d", i))
            .toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> checks =
          uids.stream()
              .map(
                  uid ->
                      pool.submit(
                          () ->
                              secrets.accessToken(uid).equals(hmac("envd-access-token", uid))
                                  && secrets.bootstrapToken(uid).equals(hmac("bootstrap", uid))
                                  && secrets
                                      .trafficToken(uid)
                                      .equals(hmac("traffic-access-token", uid))))
              .toList();
      for (Future<Boolean> check : checks) {
        assertThat(check.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** The derivation written out independently: tokens must never change across versions. */
  private static String hmac(String purpose, String uid) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of()
        .formatHex(mac.doFinal((purpose + "\n" + uid).getBytes(StandardCharsets.UTF_8)));
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

  @Test
  void onlyASecureSandboxHasAnEnvdAccessToken() {
    SandboxSecrets secrets = SandboxSecrets.fromKey(KEY);
    String uid = "6f1c2a9e-0000-4000-8000-000000000003";
    Sandbox sandbox = new Sandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withUid(uid).build());
    assertThat(secrets.envdAccessToken(sandbox)).isEmpty();
    sandbox.getMetadata().setAnnotations(Map.of(MetadataKeys.ANNOTATION_SECURE, "false"));
    assertThat(secrets.envdAccessToken(sandbox)).isEmpty();
    sandbox.getMetadata().setAnnotations(Map.of(MetadataKeys.ANNOTATION_SECURE, "true"));
    assertThat(SandboxSecrets.secure(sandbox)).isTrue();
    assertThat(secrets.envdAccessToken(sandbox)).isEqualTo(secrets.accessToken(uid));
  }
}
