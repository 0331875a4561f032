package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.EnvdCommand;
import io.openkruise.agents.testing.Pools;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14's "bounded by configuration" and sealed env vars, played by a tenant with its own key
 * against the real processes on the local cluster (real API server, simulated nodes): a day-long
 * wait is refused, a key at its quota is refused (create-on-no-stock too), and what `kubectl get
 * sbx` shows carries no env var the sandbox was given.
 */
@io.openkruise.agents.testing.tier.E2eTier
class CreateLimitsOnLocalClusterTest {

  @RegisterExtension
  static final TwoServices services =
      new TwoServices(
          ns -> List.of(Pools.initSet(ns, "limits-pool", 2), Pools.initSet(ns, "limits-empty", 0)));

  private static int manager;

  @BeforeAll
  static void startManager() throws Exception {
    manager = services.manager(Map.of("KRUISE_E2B_QUOTA_MAX_RUNNING_PER_KEY", "1"));
    services.awaitAvailable("limits-pool", 2);
  }

  private static Reply call(String method, String path, String key, String body) throws Exception {
    return services.call(manager, method, path, key, body);
  }

  @Test
  void aDayLongWaitIsRefusedAndAKeyAtItsQuotaGets429() throws Exception {
    String tenant = services.newKey(manager, "limits tenant");
    Reply day =
        call(
            "POST",
            "/v2/sandboxes",
            tenant,
            "{\"templateID\":\"limits-pool\",\"metadata\":{"
                + "\"e2b.agents.kruise.io/wait-ready-timeout-seconds\":\"86400\"}}");
    assertThat(day.status()).isEqualTo(400);
    assertThat(day.body().path("message").asText())
        .contains("wait-ready-timeout-seconds")
        .contains("300");

    Reply first = call("POST", "/v2/sandboxes", tenant, "{\"templateID\":\"limits-pool\"}");
    assertThat(first.status()).isEqualTo(201);
    Reply second = call("POST", "/v2/sandboxes", tenant, "{\"templateID\":\"limits-pool\"}");
    assertThat(second.status()).isEqualTo(429);
    assertThat(second.body().path("code").asInt()).isEqualTo(429);
    Reply noStock =
        call(
            "POST",
            "/v2/sandboxes",
            tenant,
            "{\"templateID\":\"limits-empty\",\"metadata\":{"
                + "\"e2b.agents.kruise.io/create-on-no-stock\":\"true\"}}");
    assertThat(noStock.status()).isEqualTo(429);
    assertThat(
            services.sandboxes().stream()
                .filter(
                    s ->
                        "limits-empty"
                            .equals(
                                s.getMetadata()
                                    .getLabels()
                                    .get(MetadataKeys.LABEL_SANDBOX_TEMPLATE)))
                .count())
        .isZero();
    // Killing the running one frees the slot.
    String id = first.body().path("sandboxID").asText();
    assertThat(call("DELETE", "/sandboxes/" + id, tenant, null).status()).isEqualTo(204);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                call(
                            "POST",
                            "/v2/sandboxes",
                            tenant,
                            "{\"templateID\":\"limits-pool\",\"metadata\":{"
                                + "\"e2b.agents.kruise.io/claim-timeout-seconds\":\"5\"}}")
                        .status()
                    == 201);
  }

  @Test
  void envVarsGivenOnCreateReachTheSandboxButNotTheSandboxObject() throws Exception {
    Reply created =
        services.create(
            manager,
            "{\"templateID\":\"limits-pool\",\"envVars\":{\"API_TOKEN\":\"s3cr3t-token-value\"}}");
    String token = created.body().path("envdAccessToken").asText();
    Sandbox sbx =
        services.sandboxes().stream()
            .filter(
                s ->
                    "true"
                            .equals(
                                s.getMetadata().getLabels().get(MetadataKeys.LABEL_SANDBOX_CLAIMED))
                        && s.getMetadata().getAnnotations() != null
                        && s.getMetadata()
                            .getAnnotations()
                            .containsKey(MetadataKeys.ANNOTATION_RUNTIME_ENV_VARS))
            .findFirst()
            .orElseThrow();
    // What `kubectl get sbx -o yaml` shows.
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asYaml(sbx))
        .doesNotContain("s3cr3t-token-value");
    assertThat(
            EnvdCommand.run(
                "http://" + sbx.getStatus().getSandboxIp() + ":49983",
                Map.of("X-Access-Token", token),
                "echo $API_TOKEN"))
        .isEqualTo("s3cr3t-token-value\n");
  }
}
