package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxIds;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.EnvdCommand;
import io.openkruise.agents.testing.Pools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14's measured attacks 2-4 (proxy side) on the local cluster, with sandbox-manager and
 * controller-manager as processes: an anonymous caller on the public port with guessed, old-style
 * and real IDs, another tenant's key, and a flood of random IDs against the real API server.
 */
@io.openkruise.agents.testing.tier.E2eTier
class SandboxIdAttackerOnLocalClusterTest {

  private static final int LIVE_READ_BURST = 5;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @RegisterExtension
  static final TwoServices services =
      new TwoServices(ns -> List.of(Pools.initSet(ns, "atk-pool", 3)));

  private static int manager;

  @BeforeAll
  static void startManager() throws Exception {
    // A few live reads, refilled far slower than the test runs; no per-client limit in the way.
    manager =
        services.manager(
            Map.of(
                "KRUISE_PROXY_LIVE_READ_BURST", String.valueOf(LIVE_READ_BURST),
                "KRUISE_PROXY_LIVE_READS_PER_SECOND", "0.0001",
                "KRUISE_E2B_AUTH_FAILED_BURST", "100000"));
    services.awaitAvailable("atk-pool", 3);
  }

  private static Reply api(String method, String path, String key, String body) throws Exception {
    return services.call(manager, method, path, key, body);
  }

  /** An anonymous request routed by headers: status and body, the echoed ID blanked. */
  private static String anonymous(String id, int port, String method, String path)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + manager + path))
            .timeout(Duration.ofSeconds(20))
            .header("E2b-Sandbox-Id", id)
            .header("E2b-Sandbox-Port", String.valueOf(port))
            .method(
                method,
                method.equals("GET")
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString("{}"));
    if (!method.equals("GET")) {
      b.header("Content-Type", "application/json");
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body().replace(id, "<id>");
  }

  /** A well-formed ID nobody holds (the attacker knows the format, not the generator's state). */
  private static String randomId() {
    return SandboxIds.next();
  }

  private static double liveReads(String outcome) throws Exception {
    String prom =
        HTTP.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + services.managementPort(manager) + "/q/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m =
        Pattern.compile(
                "kruise_manager_live_reads_total\\{[^}]*outcome=\"" + outcome + "\"[^}]*} (\\S+)")
            .matcher(prom);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void anonymousCallersGetNothingAndCannotTellIdsApart() throws Exception {
    Reply created = services.create(manager, "{\"templateID\":\"atk-pool\",\"timeout\":300}");
    String id = created.body().path("sandboxID").asText();
    String token = created.body().path("envdAccessToken").asText();
    assertThat(id).matches("[a-z0-9]{20}");
    List<Sandbox> labelled = services.withSandboxId(id);
    assertThat(labelled).hasSize(1);
    Sandbox s = labelled.get(0);
    // Nothing a namespace user can read carries the token.
    assertThat(s.getMetadata().getAnnotations())
        .doesNotContainKey(MetadataKeys.ANNOTATION_RUNTIME_ACCESS_TOKEN)
        .doesNotContainValue(token);

    // The owner's token runs a command through the proxy: the sandbox is real and reachable.
    assertThat(
            EnvdCommand.run(
                "http://127.0.0.1:" + manager,
                Map.of("E2b-Sandbox-Id", id, "E2b-Sandbox-Port", "49983", "X-Access-Token", token),
                "echo owner-$((40+2))"))
        .isEqualTo("owner-42\n");

    // Old-style names of every pool member and of the claimed one reach nothing.
    for (Sandbox any : services.sandboxes()) {
      assertThat(
              anonymous(
                  services.namespace() + "--" + any.getMetadata().getName(),
                  49983,
                  "GET",
                  "/health"))
          .startsWith("502 ");
    }

    // Without the token, the real ID answers exactly like an unknown one (no oracle).
    String unknown = randomId();
    for (String[] probe :
        new String[][] {
          {"GET", "/health"}, {"POST", "/process.Process/Start"}, {"GET", "/files?path=/etc/hosts"}
        }) {
      assertThat(anonymous(id, 49983, probe[0], probe[1]))
          .as("%s %s", probe[0], probe[1])
          .isEqualTo(anonymous(unknown, 49983, probe[0], probe[1]))
          .startsWith("502 ");
    }

    // Another tenant's key: the sandbox is 404 exactly like an unknown one.
    String other = services.newKey(manager, "other tenant");
    Reply theirs = api("GET", "/sandboxes/" + id, other, null);
    Reply nobody = api("GET", "/sandboxes/" + unknown, other, null);
    assertThat(theirs.status()).isEqualTo(404).isEqualTo(nobody.status());
    assertThat(theirs.body().toString().replace(id, "<id>"))
        .isEqualTo(nobody.body().toString().replace(unknown, "<id>"));
    assertThat(api("DELETE", "/sandboxes/" + id, other, null).status()).isEqualTo(404);
    assertThat(api("GET", "/sandboxes/" + id, services.adminKey(), null).status()).isEqualTo(200);
  }

  @Test
  void aFloodOfRandomIdsMakesAtMostTheLiveReadBurstOfApiServerReads() throws Exception {
    double before = liveReads("allowed");
    for (int i = 0; i < 300; i++) {
      assertThat(anonymous(randomId(), 49983, "GET", "/health")).startsWith("502 ");
    }
    double allowed = liveReads("allowed") - before;
    assertThat(allowed).isLessThanOrEqualTo(LIVE_READ_BURST);
    assertThat(liveReads("refused")).isGreaterThanOrEqualTo(300 - LIVE_READ_BURST);
  }
}
