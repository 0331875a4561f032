package io.openkruise.agents.manager.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.envd.AccessSignatures;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.Loopback;
import io.openkruise.agents.manager.support.LoopbackServers;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.net.ServerSocket;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The data plane against real loopback backends: routing modes and path rewriting, streaming both
 * ways, WebSocket, refusals and the envd token check. Assertions are made at both ends.
 */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class SandboxProxyTest {

  static final String NS = "proxy";
  static final String ENVD_IP = Loopback.freeAddressFor(49983);

  @RegisterExtension static final LoopbackServers servers = new LoopbackServers();
  static HttpServer backend;
  static HttpServer envd;
  static int port;

  /** Completed by the client once it saw the first streamed chunk; the backend waits for it. */
  static volatile CompletableFuture<Void> release = new CompletableFuture<>();

  @Inject KubernetesClient client;
  @Inject SandboxCache cache;
  @Inject SandboxTokens tokens;

  @TestHTTPResource(value = "/metrics", management = true)
  URL metrics;

  @BeforeAll
  static void startBackends() throws Exception {
    backend =
        servers.start(
            "127.0.0.1",
            0,
            WebSocketEcho.orHttp(
                req -> {
                  if (req.path().equals("/stream")) {
                    var resp = req.response().setChunked(true);
                    resp.write("first\n");
                    // The end depends on the client having seen the first chunk: a buffering
                    // proxy would deadlock here instead of passing.
                    release.whenComplete(
                        (v, e) ->
                            servers
                                .vertx()
                                .runOnContext(
                                    x -> {
                                      resp.write("keepalive\n");
                                      resp.end("end\n");
                                    }));
                    return;
                  }
                  RequestEcho.answer(req);
                }));
    port = backend.actualPort();
    envd =
        servers.start(
            ENVD_IP,
            49983,
            req ->
                req.body()
                    .onSuccess(
                        b ->
                            req.response()
                                .putHeader("Content-Type", "application/json")
                                .end(new JsonObject().put("uri", req.uri()).encode())));
  }

  /** A claimed, Ready sandbox at {@code ip}; {@code tweak} may break it in one way. */
  private String claimed(String name, String ip, java.util.function.Consumer<Sandbox> tweak) {
    Sandbox s = Fixtures.claimed(NS, name, "tpl-proxy", "owner-1", ip);
    tweak.accept(s);
    client.resource(s).create();
    return Fixtures.id(s);
  }

  /** The derived envd access token of the sandbox with this ID. */
  private String tokenOf(String id) {
    Sandbox s =
        client.resources(Sandbox.class).inNamespace(NS).list().getItems().stream()
            .filter(x -> id.equals(Fixtures.id(x)))
            .findFirst()
            .orElseThrow();
    return tokens.envdAccessToken(s);
  }

  private String running(String name) {
    return claimed(name, "127.0.0.1", s -> {});
  }

  /** A loopback port nothing listens on (a backend that does not answer). */
  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void expectError(Response r, int code) {
    r.then().statusCode(code).contentType(ContentType.JSON).body("code", equalTo(code));
  }

  @Test
  void everyRoutingModeReachesTheBackendWithThePathRewritten() {
    String id = running("modes");
    given()
        .header("Host", port + "-" + id + ".localhost")
        .get("/a/b?x=1")
        .then()
        .statusCode(200)
        .body("uri", equalTo("/a/b?x=1"))
        .body("xfh", equalTo(port + "-" + id + ".localhost"))
        .body("xfp", equalTo("http"))
        .body("xff", equalTo("127.0.0.1"));
    // Case-insensitive host with a port in the domain.
    given()
        .header("Host", port + "-" + id.toUpperCase() + ".LocalHost:8080")
        .get("/c")
        .then()
        .statusCode(200)
        .body("uri", equalTo("/c"));
    // The query goes through byte for byte (no decoding, no re-encoding).
    given()
        .urlEncodingEnabled(false)
        .get("/kruise/" + id + "/" + port + "/files/x?path=%2Ftmp%2Fy")
        .then()
        .statusCode(200)
        .body("uri", equalTo("/files/x?path=%2Ftmp%2Fy"));
    given().get("/kruise/" + id + "/" + port).then().statusCode(200).body("uri", equalTo("/"));
    given()
        .header("E2b-Sandbox-Id", id)
        .header("E2b-Sandbox-Port", String.valueOf(port))
        .header("X-Forwarded-For", "10.0.0.1")
        .post("/process.Process/Start")
        .then()
        .statusCode(200)
        .body("uri", equalTo("/process.Process/Start"))
        .body("method", equalTo("POST"))
        .body("xff", equalTo("10.0.0.1, 127.0.0.1"));
    // The API stays reachable on the same listener in both API modes.
    given().header("Host", "api.localhost:8080").get("/health").then().statusCode(200);
    given().get("/kruise/api/health").then().statusCode(200);
  }

  @Test
  void aTenMegabyteUploadArrivesIntact() throws Exception {
    String id = running("upload");
    byte[] body = new byte[10 * 1024 * 1024];
    new Random(42).nextBytes(body);
    String expected = HexFormat.of().formatHex(RequestEcho.sha256().digest(body));
    given()
        .contentType("application/octet-stream")
        .body(body)
        .post("/kruise/" + id + "/" + port + "/files?path=big.bin")
        .then()
        .statusCode(200)
        .body("bytes", equalTo(body.length))
        .body("sha256", equalTo(expected));
  }

  @Test
  void aStreamedResponseIsForwardedChunkByChunk() throws Exception {
    String id = running("stream");
    release = new CompletableFuture<>();
    HttpClient http = servers.vertx().createHttpClient();
    List<String> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    http.request(
            new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost("127.0.0.1")
                .setPort(RestAssured.port)
                .setURI("/stream")
                .putHeader("E2b-Sandbox-Id", id)
                .putHeader("E2b-Sandbox-Port", String.valueOf(port)))
        .compose(r -> r.send())
        .onSuccess(
            (HttpClientResponse resp) -> {
              resp.handler(
                  b -> {
                    seen.add(b.toString());
                    if (b.toString().contains("first")) {
                      release.complete(null);
                    }
                  });
              resp.endHandler(v -> done.complete(null));
            })
        .onFailure(done::completeExceptionally);
    done.get(20, TimeUnit.SECONDS);
    String all = String.join("", seen);
    assertThat(all).isEqualTo("first\nkeepalive\nend\n");
    // The first chunk arrived on its own, before the backend was even allowed to finish.
    assertThat(seen.get(0)).isEqualTo("first\n");
    http.close();
  }

  @Test
  void webSocketsAreTunnelledWithThePrivatePrefixStripped() throws Exception {
    String id = running("ws");
    HttpClient http = servers.vertx().createHttpClient();
    assertThat(
            WebSocketEcho.roundTrip(
                http,
                new WebSocketConnectOptions()
                    .setHost("127.0.0.1")
                    .setPort(RestAssured.port)
                    .setURI("/kruise/" + id + "/" + port + "/ws"),
                "hello"))
        .isEqualTo("echo:/ws:hello");
    http.close();
    String prom = given().get(metrics).then().statusCode(200).extract().asString();
    assertThat(prom)
        .contains(
            "kruise_manager_proxy_requests_seconds_count{mode=\"private\",outcome=\"forwarded\"");
  }

  @Test
  void sandboxesThatMayNotReceiveTrafficAreRefusedWithJson() {
    String unclaimed =
        claimed(
            "unclaimed",
            "127.0.0.1",
            s -> s.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_CLAIMED, "false"));
    String ownerless =
        claimed(
            "ownerless",
            "127.0.0.1",
            s -> s.getMetadata().getAnnotations().remove(MetadataKeys.ANNOTATION_OWNER));
    String notReady =
        claimed(
            "notready",
            "127.0.0.1",
            s -> s.getStatus().setConditions(new ArrayList<>(List.of(Fixtures.ready(false)))));
    String paused = claimed("paused", "127.0.0.1", s -> s.getSpec().setPaused(true));
    String hostname = claimed("hostname", "example.com", s -> {});
    for (String id :
        List.of(unclaimed, ownerless, notReady, paused, hostname, NS + "--nope", "a/../b")) {
      expectError(
          given()
              .header("E2b-Sandbox-Id", id)
              .header("E2b-Sandbox-Port", String.valueOf(port))
              .get("/x"),
          502);
    }
    given()
        .get("/kruise/" + NS + "--nope/" + port + "/x")
        .then()
        .statusCode(502)
        .body("sandboxId", equalTo(NS + "--nope"))
        .body("message", equalTo("The sandbox was not found"));
  }

  @Test
  void portsOutsideTheRangeAre400() {
    String id = running("ports");
    for (String p : List.of("0", "65536", "99999", "-1", "x")) {
      expectError(
          given().header("E2b-Sandbox-Id", id).header("E2b-Sandbox-Port", p).get("/x"), 400);
    }
    expectError(given().header("Host", "0-" + id + ".localhost").get("/x"), 400);
    expectError(given().header("Host", "70000-" + id + ".localhost").get("/x"), 400);
    expectError(given().get("/kruise/" + id + "/0/x"), 400);
  }

  @Test
  void aBackendThatDoesNotAnswerIs502Json() throws Exception {
    int closed = closedPort();
    String id = running("down");
    given()
        .header("E2b-Sandbox-Id", id)
        .header("E2b-Sandbox-Port", "" + closed)
        .get("/x")
        .then()
        .statusCode(502)
        .body("message", equalTo("sandbox " + id + " did not answer"));
  }

  /** A sandbox already deleted from the cache when its backend fails is gone at once. */
  @Test
  void aSandboxAlreadyDeletedIsGoneWithoutWaitingOutTheGrace() throws Exception {
    ProxyTarget t = new ProxyTarget("never-cached", "native");
    t.sandbox = Fixtures.claimed(NS, "never-cached", "tpl-proxy", "owner-1", "127.0.0.1");

    var gone =
        new GoneWithin(cache, java.time.Clock.systemUTC(), Duration.ofMinutes(5))
            .check(t)
            .toCompletionStage()
            .toCompletableFuture();

    assertThat(gone.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(cache.pendingWaits()).isZero();
  }

  /**
   * A kill removes the pod as soon as the API server has it, so a request can find the pod gone
   * before this replica's cache shows the kill: it answers as for a killed sandbox (SDKs: "not
   * running"), not "did not answer" (SDKs: unreachable, state unknown).
   */
  @Test
  void aSandboxKilledWhileItsRequestFailsIsNotFound() throws Exception {
    int closed = closedPort();
    String id = running("killed-meanwhile");
    var answer =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                given()
                    .header("E2b-Sandbox-Id", id)
                    .header("E2b-Sandbox-Port", "" + closed)
                    .get("/x"));
    Thread.sleep(300);
    client.resources(Sandbox.class).inNamespace(NS).withName("killed-meanwhile").delete();

    answer
        .get(30, java.util.concurrent.TimeUnit.SECONDS)
        .then()
        .statusCode(502)
        .body("message", equalTo("The sandbox was not found"));
  }

  @Test
  void envdOfASecureSandboxNeedsItsAccessToken() {
    String id = claimed("secure", ENVD_IP, Fixtures::secure);
    String TOKEN = tokenOf(id);
    String base = "/kruise/" + id + "/49983";
    // Without the token the sandbox is indistinguishable from an unknown one (no oracle).
    expectError(given().get(base + "/files?path=a.txt"), 502);
    expectError(
        given().header("X-Access-Token", "wrong").post(base + "/process.Process/Start"), 502);
    expectError(
        given()
            .header("E2b-Sandbox-Id", id)
            .header("E2b-Sandbox-Port", "49983")
            .post("/filesystem.Filesystem/ListDir"),
        502);
    expectError(given().get(base + "/health"), 502);
    given()
        .header("X-Access-Token", TOKEN)
        .post(base + "/process.Process/Start")
        .then()
        .statusCode(200)
        .body("uri", equalTo("/process.Process/Start"));
    given().header("X-Access-Token", TOKEN).get(base + "/health").then().statusCode(200);
    String sig =
        java.net.URLEncoder.encode(
            AccessSignatures.sign("a.txt", "read", null, TOKEN, null),
            java.nio.charset.StandardCharsets.UTF_8);
    given()
        .urlEncodingEnabled(false)
        .get(base + "/files?path=a.txt&signature=" + sig)
        .then()
        .statusCode(200)
        .body("uri", equalTo("/files?path=a.txt&signature=" + sig));
    expectError(
        given().urlEncodingEnabled(false).get(base + "/files?path=b.txt&signature=" + sig), 502);
  }

  @Test
  void oldSdkCallsWithOnlyTheAccessTokenReachTheirSandbox() {
    String id = claimed("token-only", ENVD_IP, Fixtures::secure);
    String token = tokenOf(id);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                given()
                    .header("X-Access-Token", token)
                    .post("/process.Process/Start")
                    .then()
                    .statusCode(200)
                    .body("uri", equalTo("/process.Process/Start")));
    given()
        .header("X-Access-Token", token)
        .urlEncodingEnabled(false)
        .get("/files?path=a.txt")
        .then()
        .statusCode(200)
        .body("uri", equalTo("/files?path=a.txt"));
    // An unknown token names no sandbox: the API answers, with its JSON 404.
    expectError(given().header("X-Access-Token", "nobody").post("/process.Process/Start"), 404);
    // API calls carrying a token stay API calls.
    given().header("X-Access-Token", token).get("/health").then().statusCode(200);
    assertThat(given().get(metrics).then().statusCode(200).extract().asString())
        .contains(
            "kruise_manager_proxy_requests_seconds_count{mode=\"token\",outcome=\"forwarded\"");
    assertThat(id).isNotEmpty();
  }

  @Test
  void aSandboxSeenOnlyThroughTheLiveReadIsReachable() {
    // Straight after the create the informer may not have it yet: the live read finds it.
    String id = running("fresh");
    given()
        .header("E2b-Sandbox-Id", id)
        .header("E2b-Sandbox-Port", String.valueOf(port))
        .get("/fresh")
        .then()
        .statusCode(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.claimedCached(id).isPresent());
  }

  @Test
  void metricsCountRequestsByModeAndOutcome() {
    String id = running("metrics");
    given().get("/kruise/" + id + "/" + port + "/m").then().statusCode(200);
    String prom = given().get(metrics).then().statusCode(200).extract().asString();
    assertThat(prom)
        .contains(
            "kruise_manager_proxy_requests_seconds_count{mode=\"private\",outcome=\"forwarded\"");
  }
}
