package io.openkruise.agents.manager.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.PodInfo;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.support.Backends;
import io.openkruise.agents.manager.support.ConfigProfile;
import io.openkruise.agents.manager.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 item 4: the proxy dials {@code status.sandboxIp} only while the pod with that IP is the
 * sandbox's own pod. A pod that died while the controller was down leaves a stale status whose IP
 * another tenant's pod may now hold: that request is answered as for an unknown sandbox and the
 * other pod never sees it.
 */
@QuarkusTest
@WithKubernetesTestServer
@TestProfile(PodIdentityProxyTest.VerifyPods.class)
@io.openkruise.agents.testing.tier.MockTier
class PodIdentityProxyTest {

  /** The %test profile turns the check off for the pod-less mock tests; on here. */
  public static class VerifyPods extends ConfigProfile {
    public VerifyPods() {
      super(Map.of("kruise.proxy.verify-pod-identity", "true"));
    }
  }

  static final String NS = "pod-identity";

  static Vertx vertx;
  static HttpServer backend;
  static int port;
  static final AtomicInteger hits = new AtomicInteger();

  @Inject KubernetesClient client;

  @BeforeAll
  static void startBackend() throws Exception {
    vertx = Vertx.vertx();
    backend =
        Backends.start(
            vertx,
            "127.0.0.1",
            0,
            req -> {
              hits.incrementAndGet();
              req.response()
                  .putHeader("Content-Type", "application/json")
                  .end("{\"from\":\"backend\"}");
            });
    port = backend.actualPort();
  }

  @AfterAll
  static void stopBackend() throws Exception {
    Backends.stop(vertx);
  }

  /** A claimed, Ready sandbox at 127.0.0.1 (not yet stored); its UID is known up front. */
  private static Sandbox unsaved(String name) {
    return Fixtures.claimed(NS, name, "tpl-pods", "owner-1", "127.0.0.1");
  }

  /** A claimed, Ready sandbox at 127.0.0.1 whose status names pod UID {@code podUid}. */
  private Sandbox sandbox(String name, String podUid) {
    return save(unsaved(name), podUid);
  }

  private Sandbox save(Sandbox s, String podUid) {
    PodInfo info = new PodInfo();
    info.setPodUID(podUid);
    info.setPodIP("127.0.0.1");
    s.getStatus().setPodInfo(info);
    return client.resource(s).create();
  }

  /** A sandbox pod as the controller makes it: named after, and controlled by, {@code owner}. */
  private Pod pod(String name, String uid, String ownerUid, String ip) {
    Pod p =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .withUid(uid)
            .addToLabels(MetadataKeys.ANNOTATION_CREATED_BY, MetadataKeys.CREATED_BY_SANDBOX)
            .addNewOwnerReference()
            .withApiVersion("agents.kruise.io/v1alpha1")
            .withKind("Sandbox")
            .withName(name)
            .withUid(ownerUid)
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("main")
            .withImage("img:1")
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPodIP(ip)
            .withPhase("Running")
            .endStatus()
            .build();
    return client.resource(p).create();
  }

  private io.restassured.response.Response get(Sandbox s) {
    return given().header("Host", port + "-" + Fixtures.id(s) + ".localhost").get("/who");
  }

  @Test
  void theSandboxsOwnPodIsDialled() {
    // The mock API server assigns UIDs on create: the pod names the stored Sandbox's, and the
    // status then names the stored pod's.
    Sandbox stored = sandbox("own", "not-yet");
    Pod own = pod("own", "pod-own", stored.getMetadata().getUid(), "127.0.0.1");
    stored.getStatus().getPodInfo().setPodUID(own.getMetadata().getUid());
    Sandbox s = client.resource(stored).update();
    int before = hits.get();

    Awaitility.await()
        .untilAsserted(() -> get(s).then().statusCode(200).body("from", equalTo("backend")));
    assertThat(hits.get()).isGreaterThan(before);
  }

  @Test
  void anIpNowHeldByAnotherTenantsPodIsNeverDialled() {
    // The sandbox's pod is gone (the controller was down and never updated the status); the IP
    // went to another sandbox's pod.
    Sandbox stale = sandbox("stale", "pod-stale-gone");
    Sandbox other = unsaved("other-tenant");
    Pod theirs = pod("other-tenant", "pod-other", other.getMetadata().getUid(), "127.0.0.1");
    save(other, theirs.getMetadata().getUid());
    int before = hits.get();

    get(stale).then().statusCode(502).body("code", equalTo(502));
    assertThat(hits.get()).as("the other tenant's pod was dialled").isEqualTo(before);
  }

  @Test
  void aRecreatedPodTheStatusDoesNotNameIsNeverDialled() {
    // Same name, new pod (another UID) that got another IP; the status still names the old pair.
    Sandbox s = sandbox("recreated", "pod-old");
    pod("recreated", "pod-new", s.getMetadata().getUid(), "127.0.0.2");
    int before = hits.get();

    get(s).then().statusCode(502);
    assertThat(hits.get()).isEqualTo(before);
  }
}
