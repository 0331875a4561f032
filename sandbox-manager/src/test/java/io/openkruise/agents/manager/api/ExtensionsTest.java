package io.openkruise.agents.manager.api;

import static io.openkruise.agents.manager.support.TestKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.support.FakeRuntime;
import io.openkruise.agents.manager.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Create-metadata extensions: CSI mounts, image update, create-on-no-stock. */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class ExtensionsTest {

  @RegisterExtension static final FakeRuntime runtime = FakeRuntime.perClass();

  @Inject KubernetesClient client;
  @Inject SandboxCache cache;

  private Resource<Sandbox> sandbox(String namespace, String name) {
    return client.resources(Sandbox.class).inNamespace(namespace).withName(name);
  }

  /** The controller's part, played beside the request: once {@code seen} holds, {@code act}. */
  private static CompletableFuture<Void> controllerOnce(Callable<Boolean> seen, Runnable act) {
    return CompletableFuture.runAsync(
        () -> {
          await().atMost(Duration.ofSeconds(10)).until(seen);
          act.run();
        });
  }

  private void pool(String ns, String template, int size) {
    Fixtures.cachedPool(client, cache, ns, template, size, runtime.url());
  }

  private void pv(String name, String driver, String secretNamespace) {
    client
        .persistentVolumes()
        .resource(
            new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(name)
                .withAnnotations(Map.of(MetadataKeys.ANNOTATION_CSI_ALLOWED_KEYS, "*"))
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteMany")
                .withMountOptions("noatime")
                .withNewCsi()
                .withDriver(driver)
                .withVolumeHandle(name)
                .withVolumeAttributes(Map.of("bucket", "b"))
                .withNewNodePublishSecretRef()
                .withName("csi-creds")
                .withNamespace(secretNamespace)
                .endNodePublishSecretRef()
                .endCsi()
                .endSpec()
                .build())
        .create();
  }

  private static io.restassured.response.Response create(String template, Map<String, String> md) {
    return given()
        .header("X-API-Key", ADMIN)
        .contentType(ContentType.JSON)
        .body(Map.of("templateID", template, "metadata", md))
        .post("/sandboxes");
  }

  @Test
  void csiVolumeIsMountedThroughTheRuntimeAfterInit() {
    client
        .secrets()
        .inNamespace("sandbox-system")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("csi-creds")
                .withNamespace("sandbox-system")
                .endMetadata()
                .withStringData(Map.of("ak", "secret-ak"))
                .withData(Map.of("sk", "c2stdmFsdWU="))
                .build())
        .create();
    pv("pv-ok", "local.csi.test", "sandbox-system");
    pool("csi", "tpl-csi", 1);
    int starts = runtime.calls("/process.Process/Start").size();

    create(
            "tpl-csi",
            Map.of(
                MetadataKeys.EXT_CSI_VOLUME_NAME,
                "pv-ok",
                MetadataKeys.EXT_CSI_MOUNT_POINT,
                "/mnt/data"))
        .then()
        .statusCode(201);

    List<FakeRuntime.Call> calls = runtime.calls("/process.Process/Start");
    assertThat(calls).hasSize(starts + 1);
    FakeRuntime.Call mount = calls.get(calls.size() - 1);
    assertThat(mount.body())
        .contains("/mnt/envd/sandbox-runtime-storage")
        .contains("\"--driver\",\"local.csi.test\"");
    Sandbox s = client.resources(Sandbox.class).inNamespace("csi").withName("tpl-csi-0").get();
    assertThat(s.getMetadata().getAnnotations().get(MetadataKeys.ANNOTATION_CSI_MOUNT))
        .contains("pv-ok")
        .contains("/mnt/data");
  }

  @Test
  void uncheckableVolumesAre400BeforeAnythingIsClaimed() {
    pv("pv-bad-driver", "nfs.csi.k8s.io", "sandbox-system");
    pv("pv-foreign-secret", "local.csi.test", "team-b");
    pool("csi-bad", "tpl-csibad", 1);
    for (String volume : List.of("pv-bad-driver", "pv-foreign-secret", "pv-missing")) {
      create(
              "tpl-csibad",
              Map.of(
                  MetadataKeys.EXT_CSI_VOLUME_NAME, volume, MetadataKeys.EXT_CSI_MOUNT_POINT, "/m"))
          .then()
          .statusCode(400)
          .body("code", equalTo(400));
    }
    Sandbox untouched =
        client.resources(Sandbox.class).inNamespace("csi-bad").withName("tpl-csibad-0").get();
    assertThat(untouched.getMetadata().getLabels())
        .containsEntry(MetadataKeys.LABEL_SANDBOX_CLAIMED, "false");
  }

  @Test
  void failedMountDeletesTheSandbox() throws Exception {
    try (FakeRuntime failing = new FakeRuntime()) {
      failing.mountExitCode = 5;
      pv("pv-fail", "local.csi.test", "");
      client.resource(Fixtures.set("csi-fail", "tpl-csifail", true)).create();
      client
          .resource(
              Fixtures.available("csi-fail", "tpl-csifail-0", "tpl-csifail", failing.url(), true))
          .create();
      await().atMost(Duration.ofSeconds(10)).until(() -> cache.pool("tpl-csifail").size() == 1);
      create(
              "tpl-csifail",
              Map.of(
                  MetadataKeys.EXT_CSI_VOLUME_NAME,
                  "pv-fail",
                  MetadataKeys.EXT_CSI_MOUNT_POINT,
                  "/m"))
          .then()
          .statusCode(500)
          .body("message", matchesPattern("CSI mount in sandbox [a-z0-9]{20} failed.*"));
      assertThat(sandbox("csi-fail", "tpl-csifail-0").get()).isNull();
    }
  }

  @Test
  void imageExtensionUpdatesTheFirstContainerInPlaceAndWaitsForIt() {
    pool("image", "tpl-image", 1);
    // The controller's part: it observes the new generation once the new image runs. (The mock
    // server appends to lists in merge patches where the API server replaces them: look at all.)
    CompletableFuture<Void> controller =
        controllerOnce(
            () ->
                sandbox("image", "tpl-image-0")
                    .get()
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .stream()
                    .anyMatch(c -> "registry.local/app:v2".equals(c.getImage())),
            () ->
                sandbox("image", "tpl-image-0")
                    .editStatus(
                        x -> {
                          x.getStatus().setObservedGeneration(x.getMetadata().getGeneration());
                          return x;
                        }));
    var res = create("tpl-image", Map.of(MetadataKeys.EXT_IMAGE, "registry.local/app:v2"));
    res.then().statusCode(201);
    controller.join();
  }

  @Test
  void imageUpdateThatNeverGetsReadyTimesOutAndReleases() {
    pool("image-slow", "tpl-imgslow", 1);
    create(
            "tpl-imgslow",
            Map.of(
                MetadataKeys.EXT_IMAGE, "registry.local/app:v3",
                MetadataKeys.EXT_WAIT_READY_TIMEOUT_SECONDS, "1"))
        .then()
        .statusCode(504)
        .body("code", equalTo(504));
    assertThat(sandbox("image-slow", "tpl-imgslow-0").get()).isNull();
  }

  @Test
  void createOnNoStockMakesAClaimedSandboxAndWaitsForReady() {
    Fixtures.pool(client, "nostock", "tpl-nostock", 0, runtime.url(), false);
    await().atMost(Duration.ofSeconds(10)).until(() -> !cache.setsNamed("tpl-nostock").isEmpty());
    // The controller's part: the new sandbox becomes Ready.
    CompletableFuture<Void> controller =
        controllerOnce(
            () ->
                !client.resources(Sandbox.class).inNamespace("nostock").list().getItems().isEmpty(),
            () -> {
              Sandbox s =
                  client.resources(Sandbox.class).inNamespace("nostock").list().getItems().get(0);
              sandbox("nostock", s.getMetadata().getName())
                  .editStatus(
                      x -> {
                        x.setStatus(new io.openkruise.agents.api.v1alpha1.SandboxStatus());
                        x.getStatus().setPhase(SandboxPhase.RUNNING);
                        x.getStatus().setSandboxIp("127.0.0.1");
                        x.getStatus().setObservedGeneration(x.getMetadata().getGeneration());
                        x.getStatus().setConditions(new ArrayList<>(List.of(Fixtures.ready(true))));
                        return x;
                      });
            });
    create("tpl-nostock", Map.of(MetadataKeys.EXT_CREATE_ON_NO_STOCK, "true"))
        .then()
        .statusCode(201)
        .body("sandboxID", matchesPattern("[a-z0-9]{20}"));
    controller.join();
  }
}
