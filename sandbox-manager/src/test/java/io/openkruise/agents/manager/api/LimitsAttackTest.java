package io.openkruise.agents.manager.api;

import static io.openkruise.agents.manager.support.TestKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.support.ConfigProfile;
import io.openkruise.agents.manager.support.FakeRuntime;
import io.openkruise.agents.manager.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Plays a tenant with its own API key against the create path (issue 14, "bounded by
 * configuration"): durations above their maximum, more sandboxes than the quota, creates abandoned
 * mid-wait, oversized bodies, probing PersistentVolumes by name, reading env vars off the Sandbox.
 */
@QuarkusTest
@WithKubernetesTestServer
@TestProfile(LimitsAttackTest.TightLimits.class)
@io.openkruise.agents.testing.tier.MockTier
class LimitsAttackTest {

  /** Small limits so the attacks reach them quickly. */
  public static class TightLimits extends ConfigProfile {
    public TightLimits() {
      super(
          Map.of(
              "kruise.e2b.quota.max-running-per-key", "1",
              "kruise.e2b.quota.max-running-admin", "50",
              "kruise.e2b.max-request-body", "64K",
              "kruise.e2b.max-wait-ready-timeout", "300s"));
    }
  }

  @RegisterExtension static final FakeRuntime runtime = FakeRuntime.perClass();

  @Inject KubernetesClient client;
  @Inject SandboxCache cache;

  @ConfigProperty(name = "quarkus.http.test-port")
  int port;

  private void pool(String ns, String template, int size) {
    Fixtures.cachedPool(client, cache, ns, template, size, runtime.url());
  }

  private static Response create(String key, Map<String, Object> body) {
    return given()
        .header("X-API-Key", key)
        .contentType(ContentType.JSON)
        .body(body)
        .post("/v2/sandboxes");
  }

  private static Map<String, Object> body(String template, Map<String, String> metadata) {
    Map<String, Object> b = new HashMap<>();
    b.put("templateID", template);
    b.put("metadata", metadata);
    return b;
  }

  private List<Sandbox> sandboxes(String ns) {
    return client.resources(Sandbox.class).inNamespace(ns).list().getItems();
  }

  private long claimed(String ns) {
    return sandboxes(ns).stream()
        .filter(
            s -> "true".equals(s.getMetadata().getLabels().get(MetadataKeys.LABEL_SANDBOX_CLAIMED)))
        .count();
  }

  // ------------------------------------------------------------ durations

  @Test
  void waitReadyOfADayIsRefusedNamingTheFieldAndTheMaximum() {
    pool("lim-wait", "tpl-limwait", 1);
    create(ADMIN, body("tpl-limwait", Map.of(MetadataKeys.EXT_WAIT_READY_TIMEOUT_SECONDS, "86400")))
        .then()
        .statusCode(400)
        .body("code", equalTo(400))
        .body("message", containsString(MetadataKeys.EXT_WAIT_READY_TIMEOUT_SECONDS))
        .body("message", containsString("300"));
    create(ADMIN, body("tpl-limwait", Map.of(MetadataKeys.EXT_CLAIM_TIMEOUT_SECONDS, "86400")))
        .then()
        .statusCode(400)
        .body("message", containsString(MetadataKeys.EXT_CLAIM_TIMEOUT_SECONDS))
        .body("message", containsString("300"));
    for (String bad : List.of("-1", "1e9", "ten", "99999999999999999999")) {
      create(ADMIN, body("tpl-limwait", Map.of(MetadataKeys.EXT_WAIT_READY_TIMEOUT_SECONDS, bad)))
          .then()
          .statusCode(400)
          .body("message", containsString(MetadataKeys.EXT_WAIT_READY_TIMEOUT_SECONDS));
    }
    Map<String, Object> tooLong = body("tpl-limwait", Map.of());
    tooLong.put("timeout", 86_401);
    create(ADMIN, tooLong).then().statusCode(400).body("message", containsString("24 hours"));
    assertThat(claimed("lim-wait")).isZero();
  }

  // ------------------------------------------------------------ quota

  @Test
  void aKeyAtItsQuotaGets429AlsoForCreateOnNoStock() {
    pool("lim-quota", "tpl-limquota", 3);
    Fixtures.pool(client, "lim-nostock", "tpl-limnostock", 0, runtime.url(), false);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !cache.setsNamed("tpl-limnostock").isEmpty());
    String key = SandboxApiTest.newKey("quota-attacker");

    create(key, body("tpl-limquota", Map.of())).then().statusCode(201);
    create(key, body("tpl-limquota", Map.of()))
        .then()
        .statusCode(429)
        .body("code", equalTo(429))
        .body("message", containsString("1"));
    create(key, body("tpl-limnostock", Map.of(MetadataKeys.EXT_CREATE_ON_NO_STOCK, "true")))
        .then()
        .statusCode(429)
        .body("code", equalTo(429));
    assertThat(sandboxes("lim-nostock")).isEmpty();
    assertThat(claimed("lim-quota")).isEqualTo(1);
    // Another key is not affected by this one's quota.
    create(SandboxApiTest.newKey("quota-bystander"), body("tpl-limquota", Map.of()))
        .then()
        .statusCode(201);
  }

  // ------------------------------------------------------------ disconnect

  /** Sends a create on a raw socket and returns the socket, so the test can hang up. */
  private Socket startCreate(String key, String json) throws Exception {
    Socket s = new Socket("127.0.0.1", port);
    byte[] payload = json.getBytes(StandardCharsets.UTF_8);
    OutputStream out = s.getOutputStream();
    out.write(
        ("POST /v2/sandboxes HTTP/1.1\r\nHost: localhost\r\nX-API-Key: "
                + key
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + payload.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(payload);
    out.flush();
    return s;
  }

  private static String probe(String template) {
    return "{\"templateID\":\""
        + template
        + "\",\"metadata\":{\""
        + MetadataKeys.EXT_CLAIM_TIMEOUT_SECONDS
        + "\":\"1\"}}";
  }

  @Test
  void aCreateWhoseClientHangsUpWhileTheClaimWaitsStopsWaiting() throws Exception {
    // The pool's one member is not Ready yet: a create waits in the claim loop.
    client.resource(Fixtures.set("lim-gone", "tpl-limgone", true)).create();
    Sandbox member =
        Fixtures.available("lim-gone", "tpl-limgone-0", "tpl-limgone", runtime.url(), true);
    member.getStatus().setConditions(new ArrayList<>(List.of(Fixtures.ready(false))));
    client.resource(member).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> !cache.setsNamed("tpl-limgone").isEmpty());
    String key = SandboxApiTest.newKey("hangs-up");

    Socket waiting =
        startCreate(
            key,
            "{\"templateID\":\"tpl-limgone\",\"metadata\":{\""
                + MetadataKeys.EXT_CLAIM_TIMEOUT_SECONDS
                + "\":\"250\"}}");
    // The waiting create holds the key's one slot: a second create is refused meanwhile.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> create(key, body("tpl-limgone", Map.of())).statusCode() == 429);
    waiting.close();
    // Once the manager noticed, the slot is free again (the pool is still empty: 503).
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                given()
                        .header("X-API-Key", key)
                        .contentType(ContentType.JSON)
                        .body(probe("tpl-limgone"))
                        .post("/v2/sandboxes")
                        .statusCode()
                    == 503);
    client
        .resources(Sandbox.class)
        .inNamespace("lim-gone")
        .withName("tpl-limgone-0")
        .editStatus(
            s -> {
              s.getStatus().setConditions(new ArrayList<>(List.of(Fixtures.ready(true))));
              return s;
            });
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.pool("tpl-limgone").size() == 1);
    // The member goes to whoever asks now, not to the create nobody waits for.
    create(key, body("tpl-limgone", Map.of(MetadataKeys.EXT_CLAIM_TIMEOUT_SECONDS, "5")))
        .then()
        .statusCode(201);
  }

  @Test
  void aCreateWhoseClientHangsUpWhileWaitingForReadyReleasesTheSandbox() throws Exception {
    Fixtures.pool(client, "lim-gone2", "tpl-limgone2", 0, runtime.url(), false);
    await().atMost(Duration.ofSeconds(10)).until(() -> !cache.setsNamed("tpl-limgone2").isEmpty());
    Socket waiting =
        startCreate(
            SandboxApiTest.newKey("hangs-up-2"),
            "{\"templateID\":\"tpl-limgone2\",\"metadata\":{\""
                + MetadataKeys.EXT_CREATE_ON_NO_STOCK
                + "\":\"true\",\""
                + MetadataKeys.EXT_WAIT_READY_TIMEOUT_SECONDS
                + "\":\"250\"}}");
    // Created on no stock, never Ready (no controller here): the create waits for Ready.
    await().atMost(Duration.ofSeconds(10)).until(() -> !sandboxes("lim-gone2").isEmpty());
    waiting.close();
    // Released long before the 250 s wait would have ended.
    await().atMost(Duration.ofSeconds(30)).until(() -> sandboxes("lim-gone2").isEmpty());
  }

  // ------------------------------------------------------------ bodies

  @Test
  void oversizedApiBodiesAre413Json() throws Exception {
    String big = "x".repeat(128 * 1024);
    Map<String, Object> b = body("tpl-anything", Map.of("pad", big));
    create(ADMIN, b).then().statusCode(413).body("code", equalTo(413));
    // Chunked, without a Content-Length: counted while read.
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v2/sandboxes HTTP/1.1\r\nHost: localhost\r\nX-API-Key: "
                  + ADMIN
                  + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk =
          ("{\"templateID\":\"t\",\"pad\":\"" + big + "\"}").getBytes(StandardCharsets.UTF_8);
      try {
        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(chunk);
        out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (java.io.IOException closedWhileSending) {
        // The server may answer and close before the whole body is sent; the answer is readable.
      }
      String status =
          new java.io.BufferedReader(
                  new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      assertThat(status).startsWith("HTTP/1.1 413");
    }
  }

  // ------------------------------------------------------------ CSI

  private void pv(String name, String allowedKeys) {
    var b =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withAccessModes("ReadWriteMany")
            .withNewCsi()
            .withDriver("local.csi.test")
            .withVolumeHandle(name)
            .endCsi()
            .endSpec()
            .build();
    if (allowedKeys != null) {
      b.getMetadata().setAnnotations(Map.of(MetadataKeys.ANNOTATION_CSI_ALLOWED_KEYS, allowedKeys));
    }
    client.persistentVolumes().resource(b).create();
  }

  private static Response mount(String key, String template, String volume) {
    return create(
        key,
        body(
            template,
            Map.of(
                MetadataKeys.EXT_CSI_VOLUME_NAME,
                volume,
                MetadataKeys.EXT_CSI_MOUNT_POINT,
                "/mnt/x")));
  }

  @Test
  void anUnlistedVolumeLooksExactlyLikeAMissingOne() {
    pool("lim-csi", "tpl-limcsi", 1);
    pv("pv-team-a", "11111111-2222-4333-8444-555555555555");
    pv("pv-unlabelled", null);
    Response missing = mount(ADMIN, "tpl-limcsi", "pv-nothing-here");
    Response unlisted = mount(ADMIN, "tpl-limcsi", "pv-team-a");
    Response unlabelled = mount(ADMIN, "tpl-limcsi", "pv-unlabelled");
    missing.then().statusCode(400);
    for (Response r : List.of(unlisted, unlabelled)) {
      r.then().statusCode(missing.statusCode());
      String name = r == unlisted ? "pv-team-a" : "pv-unlabelled";
      assertThat(r.body().asString())
          .isEqualTo(missing.body().asString().replace("pv-nothing-here", name));
    }
    assertThat(claimed("lim-csi")).isZero();
    // Listed for the caller (or for every key): mountable.
    pv("pv-admin", "someone-else, " + Caller.ADMIN_ID);
    mount(ADMIN, "tpl-limcsi", "pv-admin").then().statusCode(201);
  }

  // ------------------------------------------------------------ env vars

  @Test
  void envVarsAreNotReadableFromTheSandbox() {
    pool("lim-env", "tpl-limenv", 1);
    Map<String, Object> b = body("tpl-limenv", Map.of());
    b.put("envVars", Map.of("DB_PASSWORD", "hunter2-very-secret"));
    create(ADMIN, b).then().statusCode(201);
    assertThat(runtime.calls("/init").get(runtime.calls("/init").size() - 1).body())
        .contains("hunter2-very-secret");
    Sandbox s = sandboxes("lim-env").get(0);
    assertThat(s.getMetadata().getAnnotations().toString()).doesNotContain("hunter2");
    assertThat(s.getMetadata().getLabels().toString()).doesNotContain("hunter2");
    assertThat(String.valueOf(s.getSpec())).doesNotContain("hunter2");
  }
}
