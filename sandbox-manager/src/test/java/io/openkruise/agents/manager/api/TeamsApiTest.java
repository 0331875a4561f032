package io.openkruise.agents.manager.api;

import static io.openkruise.agents.manager.support.TestKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.support.FakeRuntime;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.testing.Namespaces;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Teams are namespaces: GET /teams, keys scoped with teamName, and what a scoped key sees. */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class TeamsApiTest {

  @RegisterExtension static final FakeRuntime runtime = FakeRuntime.perClass();

  @Inject KubernetesClient client;
  @Inject SandboxCache cache;

  private static Response newKey(String name, String team) {
    return given()
        .header("X-API-Key", ADMIN)
        .contentType(ContentType.JSON)
        .body(Map.of("name", name, "teamName", team))
        .post("/api-keys");
  }

  private void namespace(String name) {
    Namespaces.ensure(client, name);
  }

  @Test
  void teamNameMustBeAnExistingNamespace() {
    for (String bad : List.of("Not_A_Namespace!", "-x", "a".repeat(64))) {
      newKey("bad", bad)
          .then()
          .statusCode(400)
          .body("code", equalTo(400))
          .body("message", containsString(bad))
          .body("message", containsString("not a valid namespace name"));
    }
    newKey("missing", "team-missing")
        .then()
        .statusCode(400)
        .body("message", containsString("team-missing"))
        .body("message", containsString("does not exist"));
  }

  @Test
  void aScopedKeySeesAndClaimsOnlyInItsNamespace() {
    namespace("team-red");
    namespace("team-blue");
    Fixtures.pool(client, "team-red", "tpl-team", 1, runtime.url(), false);
    Fixtures.pool(client, "team-blue", "tpl-team", 1, runtime.url(), false);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> cache.setsNamed("tpl-team").size() == 2 && cache.pool("tpl-team").size() >= 2);
    Response red = newKey("red", "team-red");
    red.then().statusCode(201).body("team.name", equalTo("team-red"));
    String redKey = red.path("key");
    Response blue = newKey("blue", "team-blue");
    blue.then().statusCode(201);
    String blueKey = blue.path("key");

    given()
        .header("X-API-Key", redKey)
        .get("/teams")
        .then()
        .statusCode(200)
        .body("size()", equalTo(1))
        .body("[0].name", equalTo("team-red"))
        .body("[0].isDefault", equalTo(true))
        .body("[0].teamID", equalTo(red.path("team.id")));
    List<String> adminTeams = given().header("X-API-Key", ADMIN).get("/teams").path("name");
    assertThat(adminTeams).contains("admin", "team-red", "team-blue");
    List<Map<String, Object>> keys = given().header("X-API-Key", ADMIN).get("/api-keys").path("");
    assertThat(keys)
        .filteredOn(k -> red.path("id").equals(k.get("id")))
        .singleElement()
        .satisfies(k -> assertThat(k.get("team")).asString().contains("team-red"));

    // Both namespaces have tpl-team: each key claims in its own, and sees only its own template.
    for (int i = 0; i < 1; i++) {
      String id = SandboxApiTest.createdId(redKey, "tpl-team");
      assertThat(cache.claimed(id).orElseThrow().getMetadata().getNamespace())
          .isEqualTo("team-red");
      given().header("X-API-Key", blueKey).get("/sandboxes/" + id).then().statusCode(404);
      given().header("X-API-Key", redKey).get("/sandboxes/" + id).then().statusCode(200);
    }
    List<List<String>> namespaces =
        given().header("X-API-Key", blueKey).get("/templates").path("namespaces");
    assertThat(namespaces).containsExactly(List.of("team-blue"));
  }
}
