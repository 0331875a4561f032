package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.TestKeys;
import io.openkruise.agents.testing.JsSdkScript;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real, unpatched npm {@code e2b} SDK (the copy agent-runtime's tests install) with {@code
 * E2B_API_URL} and {@code E2B_SANDBOX_URL} both on the manager: {@code Sandbox.connect}, {@code
 * commands.run} and {@code files.write/read} of a claimed sandbox whose "pod" is a real
 * agent-runtime on its own loopback IP. The cluster is the mock server (no controller), so the
 * claim is seeded.
 */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class JsSdkThroughProxyTest {

  static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @RegisterExtension static final SecuredRuntime runtime = new SecuredRuntime();

  @Inject KubernetesClient client;
  @Inject SandboxTokens tokens;

  @Test
  void theUnpatchedSdkRunsCommandsAndFilesThroughTheProxy() throws Exception {
    Assumptions.assumeTrue(
        JsSdkScript.installed(REPO), "npm e2b not installed under agent-runtime");
    Sandbox created =
        runtime.claimedSandbox(client, tokens, "sdk", "js-1", "tpl-sdk", Caller.ADMIN_ID);

    String manager = "http://127.0.0.1:" + RestAssured.port;
    Path file = runtime.root().resolve("home/user/sdk-file.txt");
    JsSdkScript.run(
        REPO, manager, manager, TestKeys.ADMIN, Fixtures.id(created), "/home/user/sdk-file.txt");
    assertThat(file).hasContent("hello file");
  }
}
