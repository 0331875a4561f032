package io.openkruise.agents.manager.proxy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.manager.support.ConfigProfile;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.LoopbackServers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connect-on-traffic: with the flag on, traffic for a paused sandbox of an auto-resume template
 * resumes it and is forwarded once it is Ready; without the template's consent it stays 502. A test
 * thread plays the controller (the mock server runs none).
 */
@QuarkusTest
@WithKubernetesTestServer
@TestProfile(ConnectOnTrafficTest.On.class)
@io.openkruise.agents.testing.tier.MockTier
class ConnectOnTrafficTest {

  public static class On extends ConfigProfile {
    public On() {
      super(Map.of("kruise.proxy.connect-on-traffic", "true"));
    }
  }

  @RegisterExtension static final LoopbackServers servers = new LoopbackServers();
  static HttpServer backend;

  @Inject KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    backend =
        servers.start(
            "127.0.0.1",
            0,
            r ->
                r.response()
                    .putHeader("Content-Type", "application/json")
                    .end("{\"uri\":\"" + r.uri() + "\"}"));
  }

  private String paused(String name, String template, boolean autoResume) {
    return paused(name, template, autoResume, false);
  }

  /**
   * @param setAsks the SandboxSet carries the auto-resume annotation
   * @param sandboxAsks the Sandbox does (what create with E2B's {@code autoResume} writes)
   */
  private String paused(String name, String template, boolean setAsks, boolean sandboxAsks) {
    var set = Fixtures.set("cot", template, false);
    if (setAsks) {
      set.getMetadata().setAnnotations(Map.of(MetadataKeys.ANNOTATION_AUTO_RESUME, "true"));
    }
    client.resource(set).create();
    Sandbox s = Fixtures.claimed("cot", name, template, "owner-1", "127.0.0.1");
    if (sandboxAsks) {
      s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_AUTO_RESUME, "true");
    }
    s.getSpec().setPaused(true);
    s.getStatus().setPhase(SandboxPhase.PAUSED);
    s.getStatus().setConditions(new ArrayList<>(List.of(Fixtures.ready(false), Fixtures.paused())));
    return Fixtures.id(client.resource(s).create());
  }

  @Test
  void trafficResumesAPausedAutoResumeSandbox() throws Exception {
    String id = paused("sleepy", "tpl-auto", true);
    resumesOnTraffic(id, "sleepy");
  }

  @Test
  void trafficResumesASandboxThatAskedForAutoResumeAtCreate() throws Exception {
    String id = paused("asked", "tpl-plain", false, true);
    resumesOnTraffic(id, "asked");
  }

  private void resumesOnTraffic(String id, String name) throws Exception {
    // The "controller": once spec.paused is false, the pod comes back Ready.
    CompletableFuture<Void> controller =
        CompletableFuture.runAsync(
            () -> {
              var res = client.resources(Sandbox.class).inNamespace("cot").withName(name);
              res.waitUntilCondition(
                  x -> x != null && !x.getSpec().isPaused(), 30, TimeUnit.SECONDS);
              Sandbox x = res.get();
              x.getStatus().setPhase(SandboxPhase.RUNNING);
              x.getStatus().setConditions(new ArrayList<>(List.of(Fixtures.ready(true))));
              res.updateStatus(x);
            });
    given()
        .header("E2b-Sandbox-Id", id)
        .header("E2b-Sandbox-Port", String.valueOf(backend.actualPort()))
        .get("/after-resume")
        .then()
        .statusCode(200)
        .body("uri", equalTo("/after-resume"));
    controller.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aResumeThatOutlastsTheWaitReadyBoundIs504NamingIt() {
    // No "controller" here: the sandbox never comes back Ready (test profile: 10 s bound).
    String id = paused("stuck", "tpl-stuck", false, true);
    given()
        .header("E2b-Sandbox-Id", id)
        .header("E2b-Sandbox-Port", String.valueOf(backend.actualPort()))
        .get("/never")
        .then()
        .statusCode(504)
        .body("code", equalTo(504))
        .body("message", containsString("within 10s"));
  }

  @Test
  void withoutTheTemplatesConsentAPausedSandboxStays502() {
    String id = paused("asleep", "tpl-manual", false);
    given()
        .header("E2b-Sandbox-Id", id)
        .header("E2b-Sandbox-Port", String.valueOf(backend.actualPort()))
        .get("/x")
        .then()
        .statusCode(502)
        .body("code", equalTo(502));
  }
}
