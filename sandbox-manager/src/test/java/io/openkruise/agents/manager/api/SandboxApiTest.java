package io.openkruise.agents.manager.api;

import static io.openkruise.agents.manager.support.TestKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.support.FakeRuntime;
import io.openkruise.agents.manager.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The E2B API on the fabric8 mock server: claims, lifecycle, ownership and error shapes. */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class SandboxApiTest {

  @RegisterExtension static final FakeRuntime runtime = FakeRuntime.perClass();

  @Inject KubernetesClient client;
  @Inject SandboxCache cache;
  @Inject SandboxTokens tokens;

  private void awaitPool(String template, int size) {
    Fixtures.awaitCached(cache, template, size);
  }

  /** A pool of {@code size} on the fake runtime, once the manager's cache shows it. */
  private void cachedPool(String namespace, String template, int size, boolean shouldInit) {
    Fixtures.pool(client, namespace, template, size, runtime.url(), shouldInit);
    awaitPool(template, size);
  }

  /** The E2B ID of a sandbox {@code key} creates from {@code template} (201 Created). */
  static String createdId(String key, String template) {
    return create(key, Map.of("templateID", template))
        .then()
        .statusCode(201)
        .extract()
        .path("sandboxID");
  }

  /** Plays the controller: the status of Sandbox {@code ref} (namespace, name) becomes this. */
  private void reportStatus(String[] ref, String phase, Condition... conditions) {
    client
        .resources(Sandbox.class)
        .inNamespace(ref[0])
        .withName(ref[1])
        .editStatus(
            s -> {
              s.getStatus().setPhase(phase);
              s.getStatus().setConditions(new ArrayList<>(List.of(conditions)));
              return s;
            });
  }

  static Response create(String key, Map<String, Object> body) {
    return given()
        .header("X-API-Key", key)
        .contentType(ContentType.JSON)
        .body(body)
        .post("/v2/sandboxes");
  }

  /** The stored sandbox with this E2B ID (label {@code agents.kruise.io/sandbox-id}). */
  private Sandbox stored(String id) {
    List<Sandbox> found =
        client
            .resources(Sandbox.class)
            .inAnyNamespace()
            .withLabel(MetadataKeys.LABEL_SANDBOX_ID, id)
            .list()
            .getItems();
    return found.isEmpty() ? null : found.get(0);
  }

  @Test
  void createFromWarmPoolAnswers201InitsRuntimeAndWritesTheClaim() {
    cachedPool("warm", "tpl-warm", 2, true);
    Instant before = Instant.now();

    Response r =
        create(
            ADMIN,
            Map.of(
                "templateID",
                "tpl-warm",
                "timeout",
                120,
                "metadata",
                Map.of("purpose", "test"),
                "envVars",
                Map.of("A", "1")));

    r.then()
        .statusCode(201)
        .contentType(ContentType.JSON)
        .body("sandboxID", matchesPattern("[a-z0-9]{20}"))
        .body("templateID", equalTo("tpl-warm"))
        .body("clientID", equalTo("6532622b"))
        .body("envdVersion", equalTo("0.6.4"))
        .body("envdAccessToken", not(emptyOrNullString()))
        .body("domain", equalTo("localhost"));
    String id = r.path("sandboxID");
    String token = r.path("envdAccessToken");
    Sandbox s = stored(id);
    assertThat(s.getMetadata().getAnnotations())
        .containsEntry("purpose", "test")
        .containsEntry(MetadataKeys.ANNOTATION_OWNER, "00000000-0000-4000-8000-000000000001")
        .containsEntry(MetadataKeys.ANNOTATION_SECURE, "true")
        .doesNotContainKey(MetadataKeys.ANNOTATION_RUNTIME_ACCESS_TOKEN)
        .doesNotContainValue(token);
    // The token is derived from the UID, never stored: kubectl get sbx reveals nothing.
    assertThat(token).isEqualTo(tokens.envdAccessToken(s));
    // The claim said "not initialised yet"; the mark that /init ran lands after the answer.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(stored(id).getMetadata().getAnnotations())
                    .containsEntry(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "true"));
    assertThat(s.getMetadata().getNamespace()).isEqualTo("warm");
    assertThat(s.getMetadata().getLabels())
        .containsEntry(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true");
    assertThat(Instant.parse(s.getSpec().getShutdownTime()))
        .isBetween(before.plusSeconds(119), before.plusSeconds(130));
    assertThat(s.getSpec().getPauseTime()).isNull();
    assertThat(runtime.calls("/init"))
        .anySatisfy(
            c ->
                assertThat(c.body())
                    .contains("\"A\":\"1\"")
                    .contains("\"accessToken\":\"" + token));

    given()
        .header("X-API-Key", ADMIN)
        .get("/sandboxes/" + id)
        .then()
        .statusCode(200)
        .body("state", equalTo("running"))
        .body("cpuCount", equalTo(2))
        .body("memoryMB", equalTo(1024))
        .body("metadata.purpose", equalTo("test"))
        .body("envdAccessToken", equalTo(token))
        .body("lifecycle.onTimeout", equalTo("kill"))
        .body("lifecycle.autoResume", equalTo(false));
  }

  @Test
  void listFiltersByMetadataAndStateAndPages() {
    cachedPool("listing", "tpl-list", 3, false);
    String key = newKey("lister");
    List<String> ids = new ArrayList<>();
    for (String color : List.of("red", "red", "blue")) {
      ids.add(
          create(
                  key,
                  Map.of("templateID", "tpl-list", "metadata", Map.of("color", color, "n", "a b")))
              .then()
              .statusCode(201)
              .extract()
              .path("sandboxID"));
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                given()
                    .header("X-API-Key", key)
                    .get("/v2/sandboxes")
                    .then()
                    .statusCode(200)
                    .body("$", hasSize(3)));
    // The SDK's double encoding of {color: red, n: "a b"}.
    given()
        .header("X-API-Key", key)
        .urlEncodingEnabled(false)
        .get("/v2/sandboxes?metadata=color%3Dred%26n%3Da%252520b&state=running,paused")
        .then()
        .statusCode(200)
        .body("$", hasSize(2))
        .body("[0].metadata.color", equalTo("red"))
        .body("[0].state", equalTo("running"));
    given()
        .header("X-API-Key", key)
        .get("/v2/sandboxes?state=paused")
        .then()
        .statusCode(200)
        .body("$", hasSize(0));

    Response first = given().header("X-API-Key", key).get("/v2/sandboxes?limit=2");
    first.then().statusCode(200).body("$", hasSize(2));
    String next = first.header("X-Next-Token");
    assertThat(next).isNotBlank();
    Response second =
        given().header("X-API-Key", key).get("/v2/sandboxes?limit=2&nextToken=" + next);
    second.then().statusCode(200).body("$", hasSize(1));
    assertThat(second.header("X-Next-Token")).isNull();
    List<String> seen = new ArrayList<>(first.jsonPath().getList("sandboxID"));
    seen.addAll(second.jsonPath().getList("sandboxID"));
    assertThat(seen).containsExactlyInAnyOrderElementsOf(ids);
    given().header("X-API-Key", key).get("/sandboxes").then().statusCode(200).body("$", hasSize(3));
  }

  @Test
  void failedSandboxIsGoneForGetAndConnectButItsOwnerCanStillKillIt() {
    cachedPool("failing", "tpl-fail", 1, false);
    String alice = newKey("alice-failed");
    String bob = newKey("bob-failed");
    String id = createdId(alice, "tpl-fail");
    Sandbox s = stored(id);
    // What the controller writes when the sandbox's pod failed under it.
    s.getStatus().setPhase(io.openkruise.agents.api.v1alpha1.SandboxPhase.FAILED);
    s.getStatus().setMessage("Pod status phase is Failed");
    client.resource(s).updateStatus();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                io.openkruise.agents.api.v1alpha1.SandboxPhase.FAILED.equals(
                    cache.claimedCached(id).map(c -> c.getStatus().getPhase()).orElse(null)));

    given().header("X-API-Key", alice).get("/sandboxes/" + id).then().statusCode(404);
    given()
        .header("X-API-Key", alice)
        .contentType(ContentType.JSON)
        .body("{\"timeout\":60}")
        .post("/sandboxes/" + id + "/connect")
        .then()
        .statusCode(404);
    given().header("X-API-Key", bob).delete("/sandboxes/" + id).then().statusCode(404);
    given().header("X-API-Key", alice).delete("/sandboxes/" + id).then().statusCode(204);
    assertThat(stored(id)).isNull();
  }

  @Test
  void anotherKeySeesNotFoundAndKillDeletes() {
    cachedPool("owners", "tpl-own", 1, false);
    String alice = newKey("alice");
    String bob = newKey("bob");
    String id = createdId(alice, "tpl-own");

    for (var call :
        List
            .<java.util.function.Function<
                    io.restassured.specification.RequestSpecification, Response>>
                of(
                    rq -> rq.get("/sandboxes/" + id),
                    rq -> rq.delete("/sandboxes/" + id),
                    rq -> rq.post("/sandboxes/" + id + "/pause"),
                    rq -> rq.body("{\"timeout\":60}").post("/sandboxes/" + id + "/connect"),
                    rq -> rq.body("{\"timeout\":60}").post("/sandboxes/" + id + "/timeout"))) {
      call.apply(given().header("X-API-Key", bob).contentType(ContentType.JSON))
          .then()
          .statusCode(404)
          .contentType(ContentType.JSON)
          .body("code", equalTo(404));
    }
    assertListsNothing(bob);

    given().header("X-API-Key", alice).delete("/sandboxes/" + id).then().statusCode(204);
    assertThat(stored(id)).isNull();
    // Reads are cache-first, and kill answers only once the cache has seen the deletion: the SDK
    // checks a kill right away and must not see the sandbox any more.
    given().header("X-API-Key", alice).get("/sandboxes/" + id).then().statusCode(404);
    assertListsNothing(alice);
    given().header("X-API-Key", alice).delete("/sandboxes/" + id).then().statusCode(404);
  }

  private static void assertListsNothing(String key) {
    given()
        .header("X-API-Key", key)
        .get("/v2/sandboxes")
        .then()
        .statusCode(200)
        .body("$", hasSize(0));
  }

  @Test
  void pauseThenConnectResumesAndReinitsTheRuntime() {
    cachedPool("pausing", "tpl-pause", 1, true);
    Response created =
        create(ADMIN, Map.of("templateID", "tpl-pause", "envVars", Map.of("K", "v")));
    created.then().statusCode(201);
    String id = created.path("sandboxID");
    String token = created.path("envdAccessToken");
    String[] ref = {stored(id).getMetadata().getNamespace(), stored(id).getMetadata().getName()};

    given().header("X-API-Key", ADMIN).post("/sandboxes/" + id + "/pause").then().statusCode(204);
    Sandbox paused = stored(id);
    assertThat(paused.getSpec().isPaused()).isTrue();
    assertThat(Instant.parse(paused.getSpec().getShutdownTime()))
        .isAfter(Instant.now().plus(Duration.ofDays(29)));
    given()
        .header("X-API-Key", ADMIN)
        .get("/sandboxes/" + id)
        .then()
        .statusCode(200)
        .body("state", equalTo("paused"));
    given()
        .header("X-API-Key", ADMIN)
        .post("/sandboxes/" + id + "/pause")
        .then()
        .statusCode(409)
        .body("code", equalTo(409));
    given()
        .header("X-API-Key", ADMIN)
        .contentType(ContentType.JSON)
        .body("{\"timeout\":60}")
        .post("/sandboxes/" + id + "/timeout")
        .then()
        .statusCode(409);

    // The controller's part: pod gone, then (after resume) a new Ready pod.
    reportStatus(ref, SandboxPhase.PAUSED, Fixtures.ready(false), Fixtures.paused());
    CompletableFuture<Void> controller =
        CompletableFuture.runAsync(
            () -> {
              await().atMost(Duration.ofSeconds(10)).until(() -> !stored(id).getSpec().isPaused());
              reportStatus(ref, SandboxPhase.RUNNING, Fixtures.ready(true));
            });
    int initsBefore = runtime.calls("/init").size();

    given()
        .header("X-API-Key", ADMIN)
        .contentType(ContentType.JSON)
        .body("{\"timeout\":90}")
        .post("/sandboxes/" + id + "/connect")
        .then()
        .statusCode(201)
        .body("sandboxID", equalTo(id))
        .body("envdAccessToken", equalTo(token));
    controller.join();
    assertThat(runtime.calls("/init").size()).isGreaterThan(initsBefore);
    assertThat(runtime.calls("/init").get(runtime.calls("/init").size() - 1).body())
        .contains("\"K\":\"v\"");
    given()
        .header("X-API-Key", ADMIN)
        .get("/sandboxes/" + id)
        .then()
        .statusCode(200)
        .body("state", equalTo("running"));
    // Connect on a running sandbox: 200, and it never shortens the lifetime.
    String end = stored(id).getSpec().getShutdownTime();
    given()
        .header("X-API-Key", ADMIN)
        .contentType(ContentType.JSON)
        .body("{\"timeout\":5}")
        .post("/v2/sandboxes/" + id + "/connect")
        .then()
        .statusCode(200);
    assertThat(stored(id).getSpec().getShutdownTime()).isEqualTo(end);
    given()
        .header("X-API-Key", ADMIN)
        .contentType(ContentType.JSON)
        .body("{\"timeout\":5}")
        .post("/sandboxes/" + id + "/timeout")
        .then()
        .statusCode(204);
    assertThat(Instant.parse(stored(id).getSpec().getShutdownTime()))
        .isBefore(Instant.now().plusSeconds(10));
  }

  @Test
  void autoPauseWritesPauseTimeAndRetention() {
    cachedPool("autopause", "tpl-ap", 1, false);
    String id =
        create(
                ADMIN,
                Map.of(
                    "templateID",
                    "tpl-ap",
                    "timeout",
                    60,
                    "autoPause",
                    true,
                    "autoResume",
                    Map.of("enabled", true)))
            .then()
            .statusCode(201)
            .extract()
            .path("sandboxID");
    Sandbox s = stored(id);
    Instant pause = Instant.parse(s.getSpec().getPauseTime());
    assertThat(pause).isBetween(Instant.now().plusSeconds(50), Instant.now().plusSeconds(70));
    assertThat(Instant.parse(s.getSpec().getShutdownTime()))
        .isEqualTo(pause.plus(Duration.ofDays(30)));
    // E2B's autoResume is stored on the Sandbox, where the proxy's connect-on-traffic reads it.
    assertThat(s.getMetadata().getAnnotations())
        .containsEntry(MetadataKeys.ANNOTATION_AUTO_RESUME, "true");
    given()
        .header("X-API-Key", ADMIN)
        .get("/sandboxes/" + id)
        .then()
        .body("lifecycle.onTimeout", equalTo("pause"))
        .body("lifecycle.autoResume", equalTo(true))
        .body("endAt", equalTo(pause.toString()));
  }

  @Test
  void getInfoReportsAutoResumeItsSandboxSetAsksFor() {
    Fixtures.pool(client, "autoresume-set", "tpl-ars", 1, runtime.url(), false);
    client
        .resources(SandboxSet.class)
        .inNamespace("autoresume-set")
        .withName("tpl-ars")
        .edit(
            set -> {
              set.getMetadata().setAnnotations(Map.of(MetadataKeys.ANNOTATION_AUTO_RESUME, "true"));
              return set;
            });
    awaitPool("tpl-ars", 1);
    String id =
        create(ADMIN, Map.of("templateID", "tpl-ars"))
            .then()
            .statusCode(201)
            .extract()
            .path("sandboxID");
    // Traffic would wake it (the set's annotation, the switch on): get_info says so.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                given()
                    .header("X-API-Key", ADMIN)
                    .get("/sandboxes/" + id)
                    .then()
                    .body("lifecycle.autoResume", equalTo(true)));
  }

  @Test
  void claimsSpreadOverNamespacesAndSkipAnEmptyPool() {
    Fixtures.pool(client, "spread-a", "tpl-spread", 12, null, false);
    Fixtures.pool(client, "spread-b", "tpl-spread", 12, null, false);
    Fixtures.pool(client, "empty-x", "tpl-skip", 0, null, false);
    Fixtures.pool(client, "full-y", "tpl-skip", 3, null, false);
    awaitPool("tpl-spread", 24);
    awaitPool("tpl-skip", 3);
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.setsNamed("tpl-skip").size() == 2);
    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String id = createdId(ADMIN, "tpl-spread");
      namespaces.add(stored(id).getMetadata().getNamespace());
    }
    assertThat(namespaces).contains("spread-a", "spread-b");

    for (int i = 0; i < 3; i++) {
      String id = createdId(ADMIN, "tpl-skip");
      assertThat(stored(id).getMetadata().getNamespace()).isEqualTo("full-y");
    }
    // Pool exhausted: after the (test-short) claim timeout, a clean 503.
    create(ADMIN, Map.of("templateID", "tpl-skip"))
        .then()
        .statusCode(503)
        .contentType(ContentType.JSON)
        .body("code", equalTo(503));
  }

  @Test
  void sdkDefaultTemplateNameResolvesThroughTheAlias() {
    Fixtures.pool(client, "ci", "code-interpreter", 1, null, false);
    awaitPool("code-interpreter", 1);
    create(ADMIN, Map.of("templateID", "code-interpreter-v1"))
        .then()
        .statusCode(201)
        .body("templateID", equalTo("code-interpreter"));
  }

  @Test
  void failedInitDeletesTheSandboxAndAnswersAClearError() throws Exception {
    try (FakeRuntime broken = new FakeRuntime()) {
      broken.initStatus = 500;
      Fixtures.pool(client, "broken", "tpl-broken", 1, broken.url(), true);
      awaitPool("tpl-broken", 1);
      create(ADMIN, Map.of("templateID", "tpl-broken"))
          .then()
          .statusCode(500)
          .contentType(ContentType.JSON)
          .body("message", matchesPattern("runtime init of sandbox [a-z0-9]{20} failed.*"));
      assertThat(
              client.resources(Sandbox.class).inNamespace("broken").withName("tpl-broken-0").get())
          .isNull();
    }
  }

  @Test
  void reserveFailedSandboxKeepsIt() throws Exception {
    try (FakeRuntime broken = new FakeRuntime()) {
      broken.initStatus = 503;
      Fixtures.pool(client, "reserve", "tpl-reserve", 1, broken.url(), true);
      awaitPool("tpl-reserve", 1);
      create(
              ADMIN,
              Map.of(
                  "templateID",
                  "tpl-reserve",
                  "metadata",
                  Map.of(MetadataKeys.EXT_RESERVE_FAILED_SANDBOX, "true")))
          .then()
          .statusCode(500);
      Sandbox kept =
          client.resources(Sandbox.class).inNamespace("reserve").withName("tpl-reserve-0").get();
      assertThat(kept).isNotNull();
      assertThat(SandboxState.poolOwner(kept)).isEmpty();
    }
  }

  @Test
  void skipInitRuntimeSkipsInitAndToken() {
    Fixtures.pool(client, "skip", "tpl-skipinit", 1, "http://127.0.0.1:1", true);
    awaitPool("tpl-skipinit", 1);
    create(
            ADMIN,
            Map.of(
                "templateID",
                "tpl-skipinit",
                "metadata",
                Map.of(MetadataKeys.EXT_SKIP_INIT_RUNTIME, "true", "keep", "me")))
        .then()
        .statusCode(201)
        .body("envdAccessToken", emptyOrNullString());
    Sandbox s =
        client.resources(Sandbox.class).inNamespace("skip").withName("tpl-skipinit-0").get();
    assertThat(s.getMetadata().getAnnotations())
        .containsEntry("keep", "me")
        .doesNotContainKey(MetadataKeys.EXT_SKIP_INIT_RUNTIME);
  }

  static String newKey(String name) {
    return given()
        .header("X-API-Key", ADMIN)
        .contentType(ContentType.JSON)
        .body(Map.of("name", name))
        .post("/api-keys")
        .then()
        .statusCode(201)
        .extract()
        .path("key");
  }
}
