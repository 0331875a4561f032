package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.envd.AccessSignatures;
import org.junit.jupiter.api.Test;

/**
 * The proxy's token rules follow envd's (health aside); its signatures are the runtime's, one
 * implementation in envd-protocol.
 */
@io.openkruise.agents.testing.tier.UnitTier
class EnvdAuthTest {

  static final String T = "tok";

  private static boolean allowed(String method, String path, String header, String sig) {
    return EnvdAuth.allowed(T, method, path, header, sig, "a.txt", null, null, 1000);
  }

  @Test
  void tokenRules() {
    assertThat(EnvdAuth.allowed("", "POST", "/x", null, null, null, null, null, 0)).isTrue();
    assertThat(allowed("POST", "/process.Process/Start", T, null)).isTrue();
    assertThat(allowed("POST", "/process.Process/Start", null, null)).isFalse();
    assertThat(allowed("POST", "/process.Process/Start", "tok2", null)).isFalse();
    // Stricter than envd: an anonymous health answer would tell existing IDs from unknown ones.
    assertThat(allowed("GET", "/health", null, null)).isFalse();
    assertThat(allowed("GET", "/health", T, null)).isTrue();
    assertThat(allowed("POST", "/init", null, null)).isFalse();
    assertThat(allowed("GET", "/envs", null, null)).isFalse();
  }

  @Test
  void signedFileUrls() {
    String read = AccessSignatures.sign("a.txt", "read", null, T, null);
    String write = AccessSignatures.sign("a.txt", "write", "", T, null);
    assertThat(allowed("GET", "/files", null, read)).isTrue();
    assertThat(allowed("POST", "/files", null, write)).isTrue();
    assertThat(allowed("POST", "/files", null, read)).isFalse();
    assertThat(allowed("DELETE", "/files", null, read)).isFalse();
    assertThat(allowed("POST", "/process.Process/Start", null, read)).isFalse();
    String expiring = AccessSignatures.sign("a.txt", "read", null, T, 2000L);
    assertThat(EnvdAuth.allowed(T, "GET", "/files", null, expiring, "a.txt", null, "2000", 1000))
        .isTrue();
    assertThat(EnvdAuth.allowed(T, "GET", "/files", null, expiring, "a.txt", null, "2000", 3000))
        .isFalse();
    assertThat(EnvdAuth.allowed(T, "GET", "/files", null, expiring, "a.txt", null, "x", 1000))
        .isFalse();
  }
}
