package io.openkruise.agents.localcluster.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxClaimSpec;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetSpec;
import io.openkruise.agents.api.v1alpha1.SandboxSpec;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.junit.TestNamespace;
import io.openkruise.agents.localcluster.junit.WithLocalCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What only a real API server does: validation, optimistic locking, GC, printer columns. */
@WithLocalCluster
@io.openkruise.agents.testing.tier.ClusterTier
class ApiServerSemanticsTest {

  @BeforeAll
  static void realTierOnly(LocalCluster cluster) {
    assumeTrue(cluster.isReal(), "needs the real API server, running on: " + cluster.description());
  }

  /** {@code create} fails with 422 Unprocessable Entity naming {@code field}. */
  private static void assertRejected(ThrowingCallable create, String field) {
    assertThatThrownBy(create)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getMessage()).contains(field);
            });
  }

  @Test
  void invalidCustomResourceFieldsAreRejectedWith422(KubernetesClient client) {
    SandboxClaim zero = claim("zero");
    zero.getSpec().setReplicas(0);
    assertRejected(() -> client.resource(zero).create(), "spec.replicas");

    SandboxClaim badDuration = claim("bad-duration");
    badDuration.getSpec().setClaimTimeout("abc");
    assertRejected(() -> client.resource(badDuration).create(), "spec.claimTimeout");

    SandboxSet negative = new SandboxSet();
    negative.setMetadata(meta("negative"));
    negative.setSpec(new SandboxSetSpec());
    negative.getSpec().setReplicas(-1);
    assertThatThrownBy(() -> client.resource(negative).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
  }

  @Test
  void defaultsAreAppliedByTheServer(KubernetesClient client) {
    SandboxClaim created = client.resource(claim("defaults")).create();
    assertThat(created.getSpec().getReplicas()).isEqualTo(1);
    assertThat(created.getSpec().getClaimTimeout()).isEqualTo("1m");
  }

  @Test
  void mergePatchWithAStaleResourceVersionIs409(KubernetesClient client) {
    Sandbox sbx = new Sandbox();
    sbx.setMetadata(meta("stale"));
    sbx.setSpec(new SandboxSpec());
    Sandbox created = client.resource(sbx).create();
    String stale = created.getMetadata().getResourceVersion();
    client
        .resource(created)
        .edit(
            s -> {
              s.getMetadata()
                  .setLabels(java.util.Map.of("agents.kruise.io/sandbox-claimed", "false"));
              return s;
            });

    String claimPatch =
        "{\"metadata\":{\"resourceVersion\":\""
            + stale
            + "\",\"labels\":{\"agents.kruise.io/sandbox-claimed\":\"true\"}}}";
    assertThatThrownBy(
            () ->
                client
                    .resources(Sandbox.class)
                    .withName("stale")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), claimPatch))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    String fresh =
        client.resources(Sandbox.class).withName("stale").get().getMetadata().getResourceVersion();
    Sandbox claimed =
        client
            .resources(Sandbox.class)
            .withName("stale")
            .patch(PatchContext.of(PatchType.JSON_MERGE), claimPatch.replace(stale, fresh));
    assertThat(claimed.getMetadata().getLabels())
        .containsEntry("agents.kruise.io/sandbox-claimed", "true");
  }

  @Test
  void deletingAnOwnerGarbageCollectsWhatItOwns(KubernetesClient client) {
    SandboxSet set = new SandboxSet();
    set.setMetadata(meta("pool"));
    set.setSpec(new SandboxSetSpec());
    set.getSpec().setReplicas(1);
    set = client.resource(set).create();
    Sandbox member = new Sandbox();
    member.setMetadata(meta("pool-member"));
    member.getMetadata().setOwnerReferences(List.of(controllerRef(set)));
    member.setSpec(new SandboxSpec());
    client.resource(member).create();

    ConfigMap owner = client.resource(configMap("owner", List.of())).create();
    client.resource(configMap("owned", List.of(controllerRef(owner)))).create();

    client.resource(set).delete();
    client.resource(owner).delete();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(client.resources(Sandbox.class).withName("pool-member").get()).isNull();
              assertThat(client.configMaps().withName("owned").get()).isNull();
            });
  }

  @Test
  void sandboxesListAsATableWithOurPrinterColumns(KubernetesClient client, @TestNamespace String ns)
      throws Exception {
    Sandbox sbx = new Sandbox();
    sbx.setMetadata(meta("table"));
    sbx.setSpec(new SandboxSpec());
    client.resource(sbx).create();

    var http = client.getHttpClient();
    String url =
        client.getMasterUrl().toString().replaceAll("/$", "")
            + "/apis/agents.kruise.io/v1alpha1/namespaces/"
            + ns
            + "/sandboxes";
    HttpResponse<String> r =
        http.sendAsync(
                http.newHttpRequestBuilder()
                    .uri(url)
                    .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
                    .build(),
                String.class)
            .get(30, TimeUnit.SECONDS);

    assertThat(r.code()).isEqualTo(200);
    JsonNode table = new ObjectMapper().readTree(r.body());
    assertThat(table.get("kind").asText()).isEqualTo("Table");
    // kubectl shows priority-0 columns by default and the rest only with -o wide.
    List<String> columns = new ArrayList<>();
    List<String> wideOnly = new ArrayList<>();
    table
        .get("columnDefinitions")
        .forEach(
            c ->
                (c.path("priority").asInt(0) == 0 ? columns : wideOnly)
                    .add(c.get("name").asText()));
    assertThat(columns)
        .containsExactly("Name", "Status", "Age", "shutdown_time", "pause_time", "Message");
    assertThat(wideOnly).containsExactly("Sandbox_ID");
    assertThat(table.get("rows")).hasSize(1);
    assertThat(table.at("/rows/0/cells/0").asText()).isEqualTo("table");
  }

  private static SandboxClaim claim(String name) {
    SandboxClaim c = new SandboxClaim();
    c.setMetadata(meta(name));
    c.setSpec(new SandboxClaimSpec());
    c.getSpec().setTemplateName("code-interpreter");
    return c;
  }

  private static ObjectMeta meta(String name) {
    return new ObjectMetaBuilder().withName(name).build();
  }

  private static ConfigMap configMap(String name, List<OwnerReference> owners) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withOwnerReferences(owners)
        .endMetadata()
        .addToData("k", "v")
        .build();
  }

  private static OwnerReference controllerRef(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
