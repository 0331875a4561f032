package io.openkruise.agents.manager.api;

import static io.openkruise.agents.manager.support.TestKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.support.FakeRuntime;
import io.openkruise.agents.manager.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * E2B network rules on the API: create and {@code PUT /sandboxes/{id}/network} write the sandbox's
 * NetworkPolicy; what a NetworkPolicy cannot enforce is 400 naming the field, before anything is
 * claimed or written.
 */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class NetworkApiTest {

  static final String NS = "net";
  static FakeRuntime runtime;

  @Inject KubernetesClient client;
  @Inject SandboxCache cache;

  @BeforeAll
  static void start() throws Exception {
    runtime = new FakeRuntime();
  }

  @AfterAll
  static void stop() throws Exception {
    runtime.close();
  }

  private void pool(String template, int size) {
    Fixtures.pool(client, NS, template, size, runtime.url(), false);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !cache.setsNamed(template).isEmpty() && cache.pool(template).size() >= size);
  }

  private static io.restassured.response.Response create(Map<String, Object> body) {
    return given()
        .header("X-API-Key", ADMIN)
        .contentType(ContentType.JSON)
        .body(body)
        .post("/sandboxes");
  }

  private static io.restassured.response.Response update(String id, Map<String, Object> body) {
    return given()
        .header("X-API-Key", ADMIN)
        .contentType(ContentType.JSON)
        .body(body)
        .put("/sandboxes/" + id + "/network");
  }

  private Sandbox sandbox(String id) {
    return client.resources(Sandbox.class).inNamespace(NS).list().getItems().stream()
        .filter(s -> id.equals(s.getMetadata().getLabels().get(MetadataKeys.LABEL_SANDBOX_ID)))
        .findFirst()
        .orElseThrow();
  }

  private NetworkPolicy policy(Sandbox s) {
    return client
        .network()
        .networkPolicies()
        .inNamespace(NS)
        .withName(s.getMetadata().getName())
        .get();
  }

  @Test
  void unenforceableRulesAre400NamingTheFieldAndClaimNothing() {
    pool("tpl-net-400", 1);
    List<Map<String, Object>> bad =
        List.of(
            Map.of(
                "network",
                Map.of("allowOut", List.of("example.com"), "denyOut", List.of("0.0.0.0/0"))),
            Map.of("network", Map.of("denyOut", List.of("example.com"))),
            Map.of("network", Map.of("denyOut", List.of("1.2.3.4:80"))),
            Map.of("network", Map.of("egressProxy", Map.of("address", "p.example.com:1080"))),
            Map.of("network", Map.of("rules", Map.of("api.example.com", List.of()))),
            Map.of("network", Map.of("allowOut", List.of("169.254.169.254"))),
            Map.of("network", Map.of("allowOut", "1.1.1.1")),
            Map.of("allow_internet_access", "no"));
    List<String> fields =
        List.of(
            "network.allowOut: example.com",
            "network.denyOut: example.com",
            "network.denyOut: 1.2.3.4:80",
            "network.egressProxy",
            "network.rules",
            "allowOut: 169.254.169.254/32",
            "network.allowOut",
            "allow_internet_access");
    for (int i = 0; i < bad.size(); i++) {
      Map<String, Object> body = new java.util.HashMap<>(bad.get(i));
      body.put("templateID", "tpl-net-400");
      create(body)
          .then()
          .statusCode(400)
          .contentType(ContentType.JSON)
          .body("code", equalTo(400))
          .body("message", startsWith(fields.get(i)));
    }
    assertThat(cache.pool("tpl-net-400")).hasSize(1);
    // None for this pool's sandbox (the other test's sandbox in NS may own one).
    assertThat(client.network().networkPolicies().inNamespace(NS).list().getItems())
        .noneMatch(p -> p.getMetadata().getName().startsWith("tpl-net-400"));
  }

  @Test
  void noInternetAccessWritesAPolicyOwnedByTheSandboxAndUpdateReplacesIt() {
    pool("tpl-net", 1);
    String id =
        create(Map.of("templateID", "tpl-net", "allow_internet_access", false))
            .then()
            .statusCode(201)
            .extract()
            .path("sandboxID");
    Sandbox s = sandbox(id);
    assertThat(s.getMetadata().getAnnotations())
        .containsEntry(
            MetadataKeys.ANNOTATION_NETWORK, "{\"allowOut\":[],\"denyOut\":[\"0.0.0.0/0\"]}");
    NetworkPolicy p = policy(s);
    assertThat(p).isNotNull();
    assertThat(p.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("Sandbox");
              assertThat(o.getName()).isEqualTo(s.getMetadata().getName());
            });
    assertThat(p.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(Map.of(MetadataKeys.LABEL_EGRESS_POLICY, id));
    assertThat(p.getSpec().getEgress()).hasSize(1); // DNS only

    update(id, Map.of("allowOut", List.of("1.1.1.1:443"), "denyOut", List.of("0.0.0.0/0")))
        .then()
        .statusCode(204);
    p = policy(s);
    assertThat(p.getSpec().getEgress()).hasSize(2);
    assertThat(p.getSpec().getEgress().get(1).getTo().get(0).getIpBlock().getCidr())
        .isEqualTo("1.1.1.1/32");
    assertThat(sandbox(id).getMetadata().getAnnotations().get(MetadataKeys.ANNOTATION_NETWORK))
        .contains("1.1.1.1:443");

    update(id, Map.of("allowOut", List.of("example.com")))
        .then()
        .statusCode(400)
        .body("message", startsWith("allowOut: example.com"));
    update("nosuchsandbox00000000", Map.of()).then().statusCode(404).body("code", equalTo(404));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of())
        .put("/sandboxes/" + id + "/network")
        .then()
        .statusCode(401);
  }
}
