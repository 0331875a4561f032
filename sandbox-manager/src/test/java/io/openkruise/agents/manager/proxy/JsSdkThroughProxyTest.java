package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.support.Backends;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.Loopback;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

  static final String IP = Loopback.freeAddressFor(49983);
  static final Path SDK = Path.of("../agent-runtime/src/test/js/node_modules").toAbsolutePath();
  static final Path SCRIPT = Path.of("src/test/js/proxy-sdk.cjs").toAbsolutePath();

  static Vertx vertx;
  static Path root;

  @Inject KubernetesClient client;
  @Inject SandboxTokens tokens;

  @BeforeAll
  static void startRuntime() throws Exception {
    vertx = Vertx.vertx();
    root = Files.createTempDirectory("sdk-proxy").resolve("sandbox");
    SecuredRuntime.start(vertx, IP, root);
  }

  @AfterAll
  static void stop() throws Exception {
    Backends.stop(vertx);
  }

  @Test
  void theUnpatchedSdkRunsCommandsAndFilesThroughTheProxy() throws Exception {
    Assumptions.assumeTrue(
        Files.isDirectory(SDK.resolve("e2b")), "npm e2b not installed under agent-runtime");
    Sandbox s = Fixtures.claimed("sdk", "js-1", "tpl-sdk", Caller.ADMIN_ID, IP);
    Fixtures.secure(s);
    Sandbox created = client.resource(s).create();
    SecuredRuntime.init(IP, tokens.envdAccessToken(created));

    String manager = "http://127.0.0.1:" + RestAssured.port;
    Path file = root.resolve("home/user/sdk-file.txt");
    ProcessBuilder pb =
        new ProcessBuilder(List.of("node", SCRIPT.toString())).redirectErrorStream(true);
    pb.environment().put("NODE_PATH", SDK.toString());
    pb.environment().put("E2B_API_URL", manager);
    pb.environment().put("E2B_SANDBOX_URL", manager);
    pb.environment().put("E2B_API_KEY", "e2b_0000000000000000000000000000000000000001");
    pb.environment().put("E2B_DOMAIN", "localhost");
    pb.environment().put("SANDBOX_ID", Fixtures.id(created));
    pb.environment().put("FILE_PATH", "/home/user/sdk-file.txt");
    Process p = pb.start();
    boolean exited = p.waitFor(120, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!exited) {
      p.destroyForcibly();
    }
    assertThat(exited).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("SDK-OK");
    assertThat(file).hasContent("hello file");
  }
}
