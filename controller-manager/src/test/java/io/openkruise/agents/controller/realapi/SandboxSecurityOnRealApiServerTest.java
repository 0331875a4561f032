package io.openkruise.agents.controller.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxClaimPhase;
import io.openkruise.agents.envd.EnvdHeaders;
import io.openkruise.agents.envd.EnvdPorts;
import io.openkruise.agents.envd.RuntimeAddress;
import io.openkruise.agents.envd.RuntimeEnv;
import io.openkruise.agents.localcluster.junit.LocalClusterTestResource;
import io.openkruise.agents.localcluster.junit.TestNamespace;
import io.openkruise.agents.testing.HttpCalls;
import io.openkruise.agents.testing.Pools;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The attacker of issue 14 against the controller on a real API server with simulated nodes: a
 * stranger on the pod network dialling a pool member's runtime directly, and a namespace user
 * steering the controller through a Sandbox annotation or reserved keys on a SandboxClaim.
 */
@QuarkusTest
@WithTestResource(LocalClusterTestResource.class)
@io.openkruise.agents.testing.tier.ClusterTier
class SandboxSecurityOnRealApiServerTest {

  @Inject KubernetesClient client;
  @Inject SandboxSecrets secrets;
  @TestNamespace String namespace;

  private Sandbox awaitAvailableMember(String set) {
    return Pools.awaitRunningMember(client, namespace, set, Duration.ofSeconds(60));
  }

  private static int call(String method, String url, byte[] body, Map<String, String> headers)
      throws Exception {
    return HttpCalls.status(method, url, body, headers);
  }

  @Test
  void aPoolMembersRuntimeRefusesStrangersOnThePodNetwork() throws Exception {
    client.resource(Pools.initSet(namespace, "closed", 1)).create();
    Sandbox member = awaitAvailableMember("closed");
    String ip = member.getStatus().getSandboxIp();
    String envd = RuntimeAddress.envd(ip).orElseThrow();
    String interpreter = RuntimeAddress.baseUrl(ip, EnvdPorts.CODE_INTERPRETER).orElseThrow();
    Map<String, String> json = Map.of("Content-Type", "application/json");
    Map<String, String> connect =
        Map.of("Content-Type", "application/connect+json", "Connect-Protocol-Version", "1");

    // Issue 14, attack 1: the first caller of /init would own the sandbox, Start runs anything.
    assertThat(call("POST", envd + "/init", "{\"accessToken\":\"mine\"}".getBytes(), json))
        .isEqualTo(401);
    assertThat(
            call(
                "POST",
                envd + "/process.Process/Start",
                Fixtures.envelope("{\"process\":{\"cmd\":\"/bin/true\"}}"),
                connect))
        .isEqualTo(401);
    assertThat(call("GET", envd + "/files?path=/etc/hostname", null, Map.of())).isEqualTo(401);
    assertThat(call("GET", envd + "/metrics", null, Map.of())).isEqualTo(401);
    // Attack 4: the code interpreter answered anonymous callers.
    assertThat(call("GET", interpreter + "/contexts", null, Map.of())).isEqualTo(401);
    assertThat(call("POST", interpreter + "/execute", "{\"code\":\"1\"}".getBytes(), json))
        .isEqualTo(401);
    // Probes still work.
    assertThat(call("GET", envd + "/health", null, Map.of())).isEqualTo(204);

    // The control plane holds the key: the same call with the Sandbox's bootstrap token works.
    String token = secrets.bootstrapToken(member.getMetadata().getUid());
    assertThat(
            call(
                "GET", interpreter + "/contexts", null, Map.of(EnvdHeaders.BOOTSTRAP_TOKEN, token)))
        .isEqualTo(200);
  }

  @Test
  void theBootstrapTokenComesFromASecretTheSandboxOwnsAndPodsGetNoApiToken() {
    client.resource(Pools.set(namespace, "owned", 1, Pools.template("img:1"))).create();
    Sandbox member = awaitAvailableMember("owned");
    String name = member.getMetadata().getName();
    Secret secret =
        client
            .secrets()
            .inNamespace(namespace)
            .withName(SandboxSecrets.runtimeSecretName(name))
            .get();
    assertThat(secret).isNotNull();
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo(member.getMetadata().getUid());
              assertThat(o.getController()).isTrue();
            });
    assertThat(
            new String(
                java.util.Base64.getDecoder()
                    .decode(secret.getData().get(SandboxSecrets.SECRET_DATA_BOOTSTRAP))))
        .isEqualTo(secrets.bootstrapToken(member.getMetadata().getUid()));

    Pod pod = client.pods().inNamespace(namespace).withName(name).get();
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    EnvVar env =
        pod.getSpec().getContainers().get(0).getEnv().stream()
            .filter(e -> RuntimeEnv.BOOTSTRAP_TOKEN.equals(e.getName()))
            .findFirst()
            .orElseThrow();
    assertThat(env.getValue()).isNull();
    assertThat(env.getValueFrom().getSecretKeyRef().getName())
        .isEqualTo(SandboxSecrets.runtimeSecretName(name));
  }

  @Test
  void aRuntimeUrlAnnotationDoesNotMakeTheControllerDialIt() throws Exception {
    AtomicInteger dialled = new AtomicInteger();
    HttpServer decoy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    decoy.createContext(
        "/",
        ex -> {
          dialled.incrementAndGet();
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    decoy.start();
    try {
      client.resource(Pools.initSet(namespace, "steered", 1)).create();
      Sandbox member = awaitAvailableMember("steered");
      String url = "http://127.0.0.1:" + decoy.getAddress().getPort();
      client
          .resources(Sandbox.class)
          .inNamespace(namespace)
          .withName(member.getMetadata().getName())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"annotations\":{\""
                  + MetadataKeys.ANNOTATION_RUNTIME_URL
                  + "\":\""
                  + url
                  + "\",\""
                  + MetadataKeys.ANNOTATION_ENVD_URL_LEGACY
                  + "\":\""
                  + url
                  + "\"}}}");
      client.resource(Fixtures.claim(namespace, "steered", "steered", 1)).create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                SandboxClaim c =
                    client
                        .resources(SandboxClaim.class)
                        .inNamespace(namespace)
                        .withName("steered")
                        .get();
                return c.getStatus() != null
                    && SandboxClaimPhase.COMPLETED.equals(c.getStatus().getPhase());
              });
      Sandbox claimed =
          client
              .resources(Sandbox.class)
              .inNamespace(namespace)
              .withName(member.getMetadata().getName())
              .get();
      assertThat(claimed.getMetadata().getAnnotations())
          .containsEntry(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "true");
      assertThat(dialled).hasValue(0);
    } finally {
      decoy.stop(0);
    }
  }

  @Test
  void reservedKeysOnASandboxClaimAreRejectedByTheApiServer() {
    for (String key :
        List.of(MetadataKeys.ANNOTATION_RUNTIME_URL, MetadataKeys.E2B_PREFIX + "anything")) {
      SandboxClaim annotated = Fixtures.claim(namespace, "reserved-a", "any", 1);
      annotated.getSpec().setAnnotations(Map.of(key, "http://127.0.0.1:1"));
      assertThatThrownBy(() -> client.resource(annotated).create())
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(422);
                assertThat(e.getMessage()).contains("reserved");
              });
      SandboxClaim labelled = Fixtures.claim(namespace, "reserved-l", "any", 1);
      labelled.getSpec().setLabels(Map.of(key, "x"));
      assertThatThrownBy(() -> client.resource(labelled).create())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
    }
    SandboxClaim fine = Fixtures.claim(namespace, "unreserved", "any", 1);
    fine.getSpec().setAnnotations(Map.of("example.com/team", "a"));
    fine.getSpec().setLabels(Map.of("team", "a"));
    client.resource(fine).create();
  }
}
