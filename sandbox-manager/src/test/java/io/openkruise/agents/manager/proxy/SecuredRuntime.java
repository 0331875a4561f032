package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.envd.RuntimeAddress;
import io.openkruise.agents.envd.init.InitClient;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.support.Backends;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.Loopback;
import io.openkruise.agents.runtime.AgentRuntime;
import io.openkruise.agents.runtime.RuntimeOptions;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real agent-runtime (envd only) on a loopback IP of its own for the proxy tests, one per test
 * class: {@code @RegisterExtension static final SecuredRuntime runtime = new SecuredRuntime()}.
 * {@link #claimedSandbox} seeds the claimed, secure Sandbox it stands for and initialises it.
 */
final class SecuredRuntime implements BeforeAllCallback, AfterAllCallback {

  private final String ip = Loopback.freeAddressFor(49983);
  private volatile Vertx vertx;
  private volatile Path root;
  private Shared shared;

  /** A claimed sandbox that every test of a class uses: its E2B ID and envd access token. */
  record Shared(String id, String token) {}

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    vertx = Vertx.vertx();
    root = Files.createTempDirectory("proxy-runtime").resolve("sandbox");
    AgentRuntime.start(
            vertx,
            RuntimeOptions.builder()
                .host(ip)
                .rootDir(root)
                .envdPort(49983)
                .codeInterpreter(false)
                .codeInterpreterPort(0)
                // The proxy is under test here; the runtime's own bootstrap gate is not.
                .unauthenticated(true)
                .build())
        .toCompletionStage()
        .toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Backends.stop(vertx);
  }

  /** The runtime's address, the sandbox's {@code status.sandboxIp}. */
  String ip() {
    return ip;
  }

  /** The sandbox's root directory on this machine. */
  Path root() {
    return root;
  }

  /**
   * Creates a claimed, secure, Ready Sandbox at this runtime's IP and sends it the {@code /init}
   * the manager sends after a claim, so the runtime enforces the sandbox's derived envd access
   * token.
   *
   * @return the stored Sandbox
   */
  Sandbox claimedSandbox(
      KubernetesClient client,
      SandboxTokens tokens,
      String namespace,
      String name,
      String template,
      String owner)
      throws Exception {
    Sandbox s = Fixtures.claimed(namespace, name, template, owner, ip);
    Fixtures.secure(s);
    Sandbox created = client.resource(s).create();
    init(tokens.envdAccessToken(created));
    return created;
  }

  /**
   * The class's one sandbox on this runtime (which holds one token): {@code <namespace>/shared} of
   * template {@code tpl-<namespace>}, owned by {@code owner-1}, made by {@link #claimedSandbox} on
   * first use and the same on every later call.
   */
  synchronized Shared shared(KubernetesClient client, SandboxTokens tokens, String namespace)
      throws Exception {
    if (shared == null) {
      Sandbox created =
          claimedSandbox(client, tokens, namespace, "shared", "tpl-" + namespace, "owner-1");
      shared = new Shared(Fixtures.id(created), tokens.envdAccessToken(created));
    }
    return shared;
  }

  private void init(String token) {
    String envd = RuntimeAddress.envd(ip).orElseThrow();
    assertThat(
            new InitClient(1, Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(30))
                .init(new InitClient.Request(envd, null, Map.of(), token, null)))
        .isEmpty();
  }
}
