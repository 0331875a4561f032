package io.openkruise.agents.manager.api;

import static io.openkruise.agents.manager.support.TestKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.openkruise.agents.api.MetadataKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Auth, key management, bad input and the routing modes: every error is E2B JSON. */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class ErrorsAndRoutingTest {

  private static void expectError(io.restassured.response.Response r, int code) {
    r.then()
        .statusCode(code)
        .contentType(ContentType.JSON)
        .body("code", equalTo(code))
        .body("message", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()));
  }

  @Test
  void missingOrInvalidKeyIs401Json() {
    expectError(given().get("/v2/sandboxes"), 401);
    expectError(given().header("X-API-Key", "e2b_deadbeef").get("/v2/sandboxes"), 401);
    expectError(given().header("X-API-Key", "not-a-key").post("/v2/sandboxes"), 401);
    expectError(given().header("x-api-key", "e2b_00").get("/sandboxes/a--b"), 401);
  }

  @Test
  void healthNeedsNoKey() {
    given().get("/health").then().statusCode(200).body(equalTo("OK"));
    given().get("/kruise/api/health").then().statusCode(200);
  }

  @Test
  void keysAreCreatedListedUsedAndDeleted() {
    String key = SandboxApiTest.newKey("k1");
    given().header("X-API-Key", key).get("/v2/sandboxes").then().statusCode(200);
    String id =
        given()
            .header("X-API-Key", ADMIN)
            .get("/api-keys")
            .then()
            .statusCode(200)
            .body("name", hasItem("k1"))
            .extract()
            .path("find { it.name == 'k1' }.id");
    expectError(given().header("X-API-Key", key).get("/api-keys"), 403);
    given().header("X-API-Key", ADMIN).delete("/api-keys/" + id).then().statusCode(204);
    expectError(given().header("X-API-Key", key).get("/v2/sandboxes"), 401);
    expectError(given().header("X-API-Key", ADMIN).delete("/api-keys/" + id), 404);
    expectError(
        given()
            .header("X-API-Key", ADMIN)
            .contentType(ContentType.JSON)
            .body("{}")
            .post("/api-keys"),
        400);
  }

  @Test
  void unknownTemplateIs404() {
    expectError(create(Map.of("templateID", "no-such-template")), 404);
    expectError(create(Map.of("templateID", "UPPER/../x")), 404);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"templateID\":\"x\",\"timeout\":-1}",
        "{\"templateID\":\"x\",\"timeout\":0}",
        "{\"templateID\":\"x\",\"timeout\":\"300\"}",
        "{\"templateID\":\"x\",\"timeout\":86401}",
        "{\"templateID\":\"x\",\"timeout\":1e300}",
        "{\"templateID\":\"x\",",
        "[1,2]",
        "\"str\"",
        "{}",
        "{\"templateID\":7}",
        "{\"templateID\":\"x\",\"metadata\":{\"a\":1}}",
        "{\"templateID\":\"x\",\"metadata\":[]}",
        "{\"templateID\":\"x\",\"envVars\":{\"a\":null}}",
        "{\"templateID\":\"x\",\"autoPause\":\"yes\"}",
        "{\"templateID\":\"x\",\"metadata\":{\"bad key!\":\"v\"}}",
        "{\"templateID\":\"x\",\"metadata\":{\"e2b.agents.kruise.io/unknown\":\"v\"}}",
        "{\"templateID\":\"x\",\"metadata\":{\"agents.kruise.io/owner\":\"v\"}}",
        "{\"templateID\":\"x\",\"metadata\":{\"e2b.agents.kruise.io/csi-volume-name\":\"pv\"}}",
        "{\"templateID\":\"x\",\"metadata\":{\"e2b.agents.kruise.io/image\":\"Bad Image\"}}",
        "{\"templateID\":\"x\",\"metadata\":{\"e2b.agents.kruise.io/claim-timeout-seconds\":\"x\"}}",
        "{\"templateID\":\"x\",\"metadata\":{\"e2b.agents.kruise.io/create-on-no-stock\":\"maybe\"}}",
      })
  void badCreateBodiesAre400(String body) {
    expectError(
        given()
            .header("X-API-Key", ADMIN)
            .contentType(ContentType.JSON)
            .body(body)
            .post("/sandboxes"),
        400);
  }

  @Test
  void csiMountProblemsAre400BeforeAnyClaim() {
    for (String mountPoint : List.of("rel/path", "/a/../b")) {
      expectError(
          create(
              Map.of(
                  "templateID",
                  "x",
                  "metadata",
                  Map.of(
                      MetadataKeys.EXT_CSI_VOLUME_NAME,
                      "pv1",
                      MetadataKeys.EXT_CSI_MOUNT_POINT,
                      mountPoint))),
          400);
    }
  }

  @Test
  void unknownSandboxIs404() {
    for (String id : new String[] {"default--nope", "nope", "--", "UPPER--x", "a--b"}) {
      expectError(given().header("X-API-Key", ADMIN).get("/sandboxes/" + id), 404);
      expectError(given().header("X-API-Key", ADMIN).delete("/sandboxes/" + id), 404);
      expectError(given().header("X-API-Key", ADMIN).post("/sandboxes/" + id + "/pause"), 404);
      expectError(
          given()
              .header("X-API-Key", ADMIN)
              .contentType(ContentType.JSON)
              .body("{\"timeout\":30}")
              .post("/sandboxes/" + id + "/connect"),
          404);
    }
  }

  @Test
  void badTimeoutBodiesOnSandboxRoutesAre400() {
    expectError(
        given()
            .header("X-API-Key", ADMIN)
            .contentType(ContentType.JSON)
            .body("{\"timeout\":-5}")
            .post("/sandboxes/default--x/connect"),
        400);
    expectError(
        given()
            .header("X-API-Key", ADMIN)
            .contentType(ContentType.JSON)
            .body("{}")
            .post("/sandboxes/default--x/timeout"),
        400);
    expectError(given().header("X-API-Key", ADMIN).get("/v2/sandboxes?state=dead"), 400);
    expectError(given().header("X-API-Key", ADMIN).get("/v2/sandboxes?limit=0"), 400);
    expectError(given().header("X-API-Key", ADMIN).get("/v2/sandboxes?nextToken=%%%"), 400);
  }

  @Test
  void unknownRoutesAndMethodsAreJson() {
    expectError(given().header("X-API-Key", ADMIN).get("/no/such/route"), 404);
    expectError(given().header("X-API-Key", ADMIN).put("/v2/sandboxes"), 405);
  }

  @Test
  void privatePrefixServesTheSameApi() {
    given()
        .header("X-API-Key", ADMIN)
        .get("/kruise/api/v2/sandboxes?state=running")
        .then()
        .statusCode(200);
    expectError(given().get("/kruise/api/v2/sandboxes"), 401);
    // e2b (Python) 2.8 sends envd routing headers on the API's connect call: still the API.
    given()
        .header("X-API-Key", ADMIN)
        .header("E2b-Sandbox-Id", "default--nope")
        .header("E2b-Sandbox-Port", "49983")
        .contentType("application/json")
        .body("{\"timeout\": 60}")
        .post("/kruise/api/sandboxes/default--nope/connect")
        .then()
        .statusCode(404); // the proxy would answer 502
  }

  @Test
  void sandboxTrafficGoesToTheProxySeam() {
    expectError(
        given()
            .header("E2b-Sandbox-Id", "default--x")
            .header("E2b-Sandbox-Port", "49983")
            .get("/health"),
        502);
    expectError(given().get("/kruise/default--x/49983/health"), 502);
    expectError(given().header("Host", "49983-default--x.localhost").get("/files"), 502);
    expectError(given().get("/kruise/default--x/notaport/x"), 400);
    given()
        .header("Host", "api.localhost")
        .get("/health")
        .then()
        .statusCode(200)
        .body(containsString("OK"));
  }

  private static io.restassured.response.Response create(Map<String, Object> body) {
    return SandboxApiTest.create(ADMIN, body);
  }
}
