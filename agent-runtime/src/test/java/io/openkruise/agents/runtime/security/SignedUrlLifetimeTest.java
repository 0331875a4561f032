package io.openkruise.agents.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.envd.AccessSignatures;
import io.openkruise.agents.envd.RuntimeEnv;
import io.openkruise.agents.runtime.Main;
import io.openkruise.agents.runtime.RuntimeOptions;
import io.openkruise.agents.runtime.TestRuntime;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A signed {@code /files} URL with an expiration is honoured only up to the configured maximum
 * lifetime: a leaked "valid for ten years" link must not outlive it.
 */
@io.openkruise.agents.testing.tier.UnitTier
class SignedUrlLifetimeTest {
  @RegisterExtension
  static final TestRuntime rt = TestRuntime.perClass(b -> b.maxSignatureLifetimeSeconds(3600));

  @BeforeAll
  static void start() throws Exception {
    rt.init("tok");
    rt.token = "tok";
    assertThat(
            rt.post(
                    rt.envdUrl("/files?path=/home/user/f.txt"),
                    "application/octet-stream",
                    "x".getBytes())
                .statusCode())
        .isEqualTo(200);
    rt.token = null;
  }

  static int read(Long expiration) throws Exception {
    String path = "/home/user/f.txt";
    String sig = AccessSignatures.sign(path, "read", null, "tok", expiration);
    String url =
        rt.envdUrl(
            "/files?path="
                + URLEncoder.encode(path, StandardCharsets.UTF_8)
                + "&signature="
                + URLEncoder.encode(sig, StandardCharsets.UTF_8)
                + (expiration == null ? "" : "&signature_expiration=" + expiration));
    return rt.get(url).statusCode();
  }

  @Test
  void signaturesBeyondTheMaximumLifetimeAreRefused() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    assertThat(read(now + 600)).isEqualTo(200);
    assertThat(read(now + 10L * 365 * 24 * 3600)).isEqualTo(401);
    assertThat(read(now - 10)).isEqualTo(401);
    // E2B's SDKs sign without expiration by default; such a link lives as long as the token.
    assertThat(read(null)).isEqualTo(200);
  }

  @Test
  void theDaemonReadsItsLimitsAndTheBootstrapTokenFromItsEnvironment() {
    RuntimeOptions o =
        Main.parseForTest(
            new String[0],
            Map.of(
                RuntimeEnv.BOOTSTRAP_TOKEN,
                "boot",
                "AGENT_RUNTIME_MAX_SIGNATURE_LIFETIME_SECONDS",
                "60"));
    assertThat(o.bootstrapToken()).isEqualTo("boot");
    assertThat(o.unauthenticated()).isFalse();
    assertThat(o.maxSignatureLifetimeSeconds()).isEqualTo(60);
    assertThat(o.toString()).doesNotContain("boot\"").doesNotContain("=boot");
    assertThat(Main.parseForTest(new String[] {"--unauthenticated", "true"}, Map.of()))
        .extracting(RuntimeOptions::unauthenticated, RuntimeOptions::bootstrapToken)
        .containsExactly(true, null);
  }
}
