package io.openkruise.agents.manager.security;

import static io.openkruise.agents.manager.support.TestKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.claim.SandboxIds;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.support.ConfigProfile;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.Loopback;
import io.openkruise.agents.manager.support.LoopbackServers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Plays an anonymous caller on the public port (issue 14, measured attacks 2 and 3): it knows the
 * system's naming scheme, may have seen a real sandbox ID, but holds no API key and no sandbox
 * token. Sandboxes are created through the E2B API like a tenant would, so the same test ran
 * against the code before the fix (where it failed).
 */
@QuarkusTest
@WithKubernetesTestServer
@TestProfile(AnonymousAttackerTest.Profile.class)
@io.openkruise.agents.testing.tier.MockTier
class AnonymousAttackerTest {

  static final String NS = "attack";
  static final String TEMPLATE = "tpl-attack";
  static final int USER_PORT = 8000;
  static final int LIVE_READ_BURST = 5;

  /** Few live reads (none refilled during the test), and no per-client limit in the way. */
  public static class Profile extends ConfigProfile {
    public Profile() {
      super(
          Map.of(
              "kruise.proxy.live-read-burst", String.valueOf(LIVE_READ_BURST),
              "kruise.proxy.live-reads-per-second", "0.0001",
              "kruise.e2b.auth.failed-burst", "100000"));
    }
  }

  static final String IP = Loopback.freeAddressFor(49983);
  @RegisterExtension static final LoopbackServers servers = new LoopbackServers();

  /** The token the fake code interpreter was "initialised" with (the runtime learns it at init). */
  static volatile String runtimeToken = "";

  @KubernetesTestServer KubernetesServer server;

  @jakarta.inject.Inject KubernetesClient client;

  /**
   * The sandbox's servers: envd and a user port answer 200 to anyone (what the proxy must guard);
   * the code interpreter refuses without the envd token, as the runtime does.
   */
  @BeforeAll
  static void startSandboxServers() throws Exception {
    for (int port : new int[] {49983, 49999, USER_PORT}) {
      servers.start(
          IP,
          port,
          req -> {
            if (port == 49999 && !runtimeToken.equals(req.getHeader("X-Access-Token"))) {
              req.response().setStatusCode(401).end("{\"error\":\"unauthorized\"}");
              return;
            }
            req.response().end("{\"port\":" + port + ",\"path\":\"" + req.path() + "\"}");
          });
    }
  }

  private void pool(int size) {
    if (client
            .resources(io.openkruise.agents.api.v1alpha1.SandboxSet.class)
            .inNamespace(NS)
            .withName(TEMPLATE)
            .get()
        == null) {
      client.resource(Fixtures.set(NS, TEMPLATE, false)).create();
    }
    for (int i = 0; i < size; i++) {
      Sandbox s =
          Fixtures.available(
              NS, TEMPLATE + "-" + Long.toHexString(System.nanoTime()), TEMPLATE, null, false);
      s.getStatus().setSandboxIp(IP);
      client.resource(s).create();
    }
  }

  /** A tenant's create (v1 route, so {@code secure} is the caller's choice). */
  private Response create(Map<String, Object> body) {
    pool(1);
    Response[] out = new Response[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              out[0] =
                  given()
                      .header("X-API-Key", ADMIN)
                      .contentType(ContentType.JSON)
                      .body(body)
                      .post("/sandboxes");
              return out[0].statusCode() == 201;
            });
    return out[0];
  }

  private static Response anonymous(String id, int port, String method, String path) {
    RequestSpecification r =
        given().header("E2b-Sandbox-Id", id).header("E2b-Sandbox-Port", String.valueOf(port));
    return method.equals("GET")
        ? r.get(path)
        : r.contentType(ContentType.JSON).body("{}").post(path);
  }

  /** Status and body, with the requested ID (echoed by E2B's error shape) blanked. */
  private static String seen(Response r, String id) {
    return r.statusCode() + " " + r.asString().replace(id, "<id>");
  }

  /** A well-formed ID nobody holds (the attacker knows the format, not the generator's state). */
  private static String randomId() {
    return SandboxIds.next();
  }

  @Test
  void idsAreUnguessableAndTheOldNamingSchemeReachesNothing() {
    Response created = create(Map.of("templateID", TEMPLATE, "timeout", 300));
    String id = created.jsonPath().getString("sandboxID");
    assertThat(id).matches("[a-z0-9]{20}");

    // Every `<ns>--<name>` of the pool, as the old scheme would have named them.
    for (Sandbox s : client.resources(Sandbox.class).inNamespace(NS).list().getItems()) {
      String guess = NS + "--" + s.getMetadata().getName();
      Response r = anonymous(guess, 49983, "POST", "/process.Process/Start");
      assertThat(r.statusCode()).as("guessed ID " + guess).isEqualTo(502);
      assertThat(r.asString()).doesNotContain("\"port\"");
    }
    // The real ID of a sandbox created without `secure` is its one credential: it works.
    assertThat(anonymous(id, 49983, "POST", "/process.Process/Start").statusCode()).isEqualTo(200);
  }

  @Test
  void withoutTheTokenASecureSandboxLooksExactlyLikeAnUnknownId() {
    Response created = create(Map.of("templateID", TEMPLATE, "timeout", 300, "secure", true));
    String id = created.jsonPath().getString("sandboxID");
    String token = created.jsonPath().getString("envdAccessToken");
    assertThat(token).isNotBlank();
    runtimeToken = token;
    String unknown = randomId();

    String[][] probes = {
      {"49983", "GET", "/health"},
      {"49983", "POST", "/process.Process/Start"},
      {"49983", "GET", "/files"},
      {"49999", "POST", "/execute"},
    };
    for (String[] p : probes) {
      int port = Integer.parseInt(p[0]);
      Response real = anonymous(id, port, p[1], p[2]);
      Response none = anonymous(unknown, port, p[1], p[2]);
      assertThat(seen(real, id))
          .as("%s %s on %s of a secure sandbox without its token", p[1], p[2], p[0])
          .isEqualTo(seen(none, unknown))
          .startsWith("502 ");
      // A wrong token is no better than none.
      Response wrong =
          given()
              .header("E2b-Sandbox-Id", id)
              .header("E2b-Sandbox-Port", p[0])
              .header("X-Access-Token", "0".repeat(64))
              .get(p[2]);
      assertThat(seen(wrong, id)).startsWith("502 ");
    }
    // The SDKs send no envd token to the interpreter's /contexts routes, so the proxy supplies it
    // there: whoever holds the unguessable ID manages contexts, as in E2B; running code (/execute)
    // needs the caller's own token (above). A wrong token is never replaced.
    assertThat(anonymous(id, 49999, "GET", "/contexts").statusCode()).isEqualTo(200);
    Response wrongContexts =
        given()
            .header("E2b-Sandbox-Id", id)
            .header("E2b-Sandbox-Port", "49999")
            .header("X-Access-Token", "0".repeat(64))
            .get("/contexts");
    assertThat(seen(wrongContexts, id)).startsWith("502 ");
    // Every routing mode answers the same.
    assertThat(given().get("/kruise/" + id + "/49983/health").statusCode()).isEqualTo(502);
    assertThat(given().header("Host", "49983-" + id + ".localhost").get("/health").statusCode())
        .isEqualTo(502);

    // The owner's SDK, with the token, gets through on both runtime ports.
    assertThat(
            given()
                .header("E2b-Sandbox-Id", id)
                .header("E2b-Sandbox-Port", "49983")
                .header("X-Access-Token", token)
                .get("/health")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            given()
                .header("E2b-Sandbox-Id", id)
                .header("E2b-Sandbox-Port", "49999")
                .header("X-Access-Token", token)
                .get("/contexts")
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void privateTrafficNeedsTheTrafficTokenOnUserPorts() {
    Response created =
        create(
            Map.of(
                "templateID",
                TEMPLATE,
                "timeout",
                300,
                "secure",
                true,
                "network",
                Map.of("allowPublicTraffic", false)));
    String id = created.jsonPath().getString("sandboxID");
    String traffic = created.jsonPath().getString("trafficAccessToken");
    assertThat(traffic).isNotBlank().isNotEqualTo(created.jsonPath().getString("envdAccessToken"));
    String unknown = randomId();

    assertThat(seen(anonymous(id, USER_PORT, "GET", "/"), id))
        .isEqualTo(seen(anonymous(unknown, USER_PORT, "GET", "/"), unknown))
        .startsWith("502 ");
    assertThat(
            given()
                .header("E2b-Sandbox-Id", id)
                .header("E2b-Sandbox-Port", USER_PORT)
                .header("e2b-traffic-access-token", "nope")
                .get("/")
                .statusCode())
        .isEqualTo(502);
    Response ok =
        given()
            .header("Host", USER_PORT + "-" + id + ".localhost")
            .header("e2b-traffic-access-token", traffic)
            .get("/app");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.asString()).contains("\"port\":" + USER_PORT);

    // Default public, as in E2B: no traffic token, user ports open to whoever has the ID.
    Response pub = create(Map.of("templateID", TEMPLATE, "timeout", 300, "secure", true));
    assertThat(pub.jsonPath().getString("trafficAccessToken")).isNull();
    assertThat(anonymous(pub.jsonPath().getString("sandboxID"), USER_PORT, "GET", "/").statusCode())
        .isEqualTo(200);

    // E2B's rule: a private sandbox must be secure.
    assertThat(
            given()
                .header("X-API-Key", ADMIN)
                .contentType(ContentType.JSON)
                .body(
                    Map.of("templateID", TEMPLATE, "network", Map.of("allowPublicTraffic", false)))
                .post("/sandboxes")
                .statusCode())
        .isEqualTo(400);
  }

  @Test
  void aFloodOfRandomIdsCostsTheApiServerAtMostTheLiveReadBurst() {
    // Let the informers settle, then count every request the API server sees during the flood.
    int before = server.getKubernetesMockServer().getRequestCount();
    for (int i = 0; i < 200; i++) {
      // Half in the old naming scheme, which the unfixed code read live for every guess.
      String id = i % 2 == 0 ? randomId() : NS + "--" + TEMPLATE + "-" + randomId().substring(0, 5);
      assertThat(anonymous(id, 49983, "GET", "/health").statusCode()).isEqualTo(502);
      given().header("X-API-Key", ADMIN).get("/sandboxes/" + id).then().statusCode(404);
    }
    // The same unknown ID again and again is served from the negative cache.
    String repeated = randomId();
    for (int i = 0; i < 50; i++) {
      anonymous(repeated, 49983, "GET", "/health");
    }
    int during = server.getKubernetesMockServer().getRequestCount() - before;
    // Slack of 2 for an informer's watch being re-opened meanwhile; the flood itself made 450
    // lookups.
    assertThat(during).isLessThanOrEqualTo(LIVE_READ_BURST + 2);
  }
}
