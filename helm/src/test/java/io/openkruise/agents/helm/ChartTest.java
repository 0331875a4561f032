package io.openkruise.agents.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChartTest {

  private static final Rendered DEFAULTS = Rendered.render("kruise-agents", Map.of());

  private static Container container(Rendered r, String deployment) {
    return r.one(Deployment.class, deployment)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  private static Map<String, EnvVar> env(Rendered r, String deployment) {
    return container(r, deployment).getEnv().stream()
        .collect(Collectors.toMap(EnvVar::getName, e -> e, (a, b) -> b, LinkedHashMap::new));
  }

  /** Rules as "group|resource|verbs" strings: easy to compare exactly. */
  private static List<String> rules(List<PolicyRule> rules) {
    return rules.stream()
        .flatMap(
            r ->
                r.getResources().stream()
                    .map(
                        res ->
                            String.join(",", r.getApiGroups())
                                + "|"
                                + res
                                + "|"
                                + String.join(",", r.getVerbs())))
        .toList();
  }

  @Test
  void lintPasses() {
    LintResult result = new Helm(Rendered.CHART).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void everyNamespacedObjectIsInTheReleaseNamespace() {
    List<HasMetadata> namespaced =
        DEFAULTS.objects.stream().filter(o -> o instanceof Namespaced).toList();
    assertThat(namespaced).hasSizeGreaterThan(10);
    assertThat(namespaced)
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(Rendered.NS));
  }

  @Test
  void managerDeploymentAndServiceAreNamedSandboxManagerWhateverTheRelease() {
    Rendered other = Rendered.render("my-release", Map.of());
    for (Rendered r : List.of(DEFAULTS, other)) {
      assertThat(r.find(Deployment.class, "sandbox-manager")).isPresent();
      assertThat(r.find(Service.class, "sandbox-manager")).isPresent();
      assertThat(r.find(Deployment.class, "sandbox-controller-manager")).isPresent();
    }
  }

  @Test
  void serviceExposes7788AndPort80OntoIt() {
    Service svc = DEFAULTS.one(Service.class, "sandbox-manager");
    assertThat(svc.getSpec().getPorts())
        .extracting(ServicePort::getName, ServicePort::getPort, p -> p.getTargetPort().getStrVal())
        .containsExactly(tuple("e2b", 7788, "e2b"), tuple("http", 80, "e2b"));
    assertThat(container(DEFAULTS, "sandbox-manager").getPorts())
        .extracting(p -> p.getName(), p -> p.getContainerPort())
        .containsExactly(tuple("e2b", 7788));
    Deployment d = DEFAULTS.one(Deployment.class, "sandbox-manager");
    assertThat(svc.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(svc.getSpec().getSelector());
    Service metrics = DEFAULTS.one(Service.class, "sandbox-controller-manager-metrics");
    assertThat(metrics.getSpec().getPorts()).extracting(ServicePort::getPort).containsExactly(8081);
    Deployment cd = DEFAULTS.one(Deployment.class, "sandbox-controller-manager");
    assertThat(cd.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(metrics.getSpec().getSelector());
  }

  @Test
  void managerEnvIsExactlyWhatTheBinaryReads() {
    Map<String, EnvVar> env = env(DEFAULTS, "sandbox-manager");
    assertThat(env.keySet())
        .containsExactly(
            "E2B_DOMAIN",
            "E2B_ADMIN_API_KEY",
            "KRUISE_E2B_AUTH_ENABLED",
            "KRUISE_SYSTEM_NAMESPACE",
            "KRUISE_E2B_DEFAULT_TIMEOUT",
            "KRUISE_E2B_MAX_TIMEOUT",
            "KRUISE_E2B_PAUSED_RETENTION",
            "KRUISE_E2B_CLAIM_TIMEOUT",
            "KRUISE_E2B_MAX_CLAIM_TIMEOUT",
            "KRUISE_E2B_WAIT_READY_TIMEOUT",
            "KRUISE_E2B_MAX_WAIT_READY_TIMEOUT",
            "KRUISE_E2B_QUOTA_MAX_RUNNING_PER_KEY",
            "KRUISE_E2B_QUOTA_MAX_RUNNING_ADMIN",
            "KRUISE_E2B_MAX_REQUEST_BODY",
            "KRUISE_PROXY_CONNECT_TIMEOUT",
            "KRUISE_PROXY_IDLE_TIMEOUT",
            "KRUISE_PROXY_MAX_CONNECTIONS_PER_SANDBOX",
            "KRUISE_PROXY_CONNECT_ON_TRAFFIC",
            "KRUISE_PROXY_ACCESS_LOG");
    assertThat(env.get("KRUISE_PROXY_CONNECT_ON_TRAFFIC").getValue()).isEqualTo("false");
    assertThat(env.get("E2B_DOMAIN").getValue()).isEqualTo("your.domain.com");
    assertThat(env.get("KRUISE_SYSTEM_NAMESPACE").getValue()).isEqualTo(Rendered.NS);
    assertThat(env.get("KRUISE_E2B_MAX_TIMEOUT").getValue()).isEqualTo("24h");
    assertThat(env.get("E2B_ADMIN_API_KEY").getValueFrom().getSecretKeyRef())
        .satisfies(
            ref -> {
              assertThat(ref.getName()).isEqualTo("sandbox-manager-admin-key");
              assertThat(ref.getKey()).isEqualTo("api-key");
            });

    Map<String, EnvVar> controller = env(DEFAULTS, "sandbox-controller-manager");
    assertThat(controller.keySet())
        .containsExactly(
            "KRUISE_CONTROLLER_SYSTEM_NAMESPACE",
            "KRUISE_CONTROLLER_LEADER_ELECTION_LEASE_NAME",
            "QUARKUS_OPERATOR_SDK_CONCURRENT_RECONCILIATION_THREADS");
    assertThat(controller.get("KRUISE_CONTROLLER_SYSTEM_NAMESPACE").getValue())
        .isEqualTo(Rendered.NS);
  }

  /**
   * Guards against the original chart's bug (charts#171: env vars its binary ignored): every env
   * var the chart sets is a documented key in Quarkus' env form, or a documented env alias.
   */
  @Test
  void everyEnvVarIsAKeyTheBinariesRead() throws IOException {
    String doc = Files.readString(Rendered.DEPLOY.resolveSibling("docs/configuration.md"));
    Set<String> known = new HashSet<>();
    Matcher m =
        Pattern.compile("(?m)^\\| `([a-z0-9.\\-]+)` \\|(?: `([A-Z0-9_]+)` \\|)?").matcher(doc);
    while (m.find()) {
      known.add(m.group(1).toUpperCase().replaceAll("[^A-Z0-9]", "_"));
      if (m.group(2) != null) {
        known.add(m.group(2));
      }
    }
    assertThat(known).contains("E2B_DOMAIN", "KRUISE_E2B_MAX_TIMEOUT");
    Rendered all =
        Rendered.render(
            "x",
            Map.of(
                "e2b.servedNamespaces[0]", "a", "e2b.csiAllowedDrivers[0]", "d.csi.example.com"));
    for (String d : List.of("sandbox-manager", "sandbox-controller-manager")) {
      assertThat(env(all, d).keySet()).as(d).isSubsetOf(known);
    }
  }

  @Test
  void nonDefaultValuesReachTheEnv() {
    Rendered r =
        Rendered.render(
            "x",
            Map.of(
                "e2b.domain", "agents.example.com:8080",
                "e2b.timeouts.max", "720h",
                "e2b.servedNamespaces[0]", "team-a",
                "e2b.servedNamespaces[1]", "team-b",
                "e2b.csiAllowedDrivers[0]", "nas.csi.example.com",
                "e2b.auth.enabled", "false",
                "sandboxManager.proxy.connectOnTraffic", "true",
                "sandboxManager.proxy.idleTimeout", "0s",
                "sandboxManager.extraEnv[0].name", "QUARKUS_LOG_LEVEL",
                "sandboxManager.extraEnv[0].value", "DEBUG"));
    Map<String, EnvVar> env = env(r, "sandbox-manager");
    // The binary keeps the port: clients send it in Host headers and build URLs with it.
    assertThat(env.get("E2B_DOMAIN").getValue()).isEqualTo("agents.example.com:8080");
    assertThat(env.get("KRUISE_E2B_MAX_TIMEOUT").getValue()).isEqualTo("720h");
    assertThat(env.get("KRUISE_SERVED_NAMESPACES").getValue()).isEqualTo("team-a,team-b");
    assertThat(env.get("KRUISE_E2B_CSI_ALLOWED_DRIVERS").getValue())
        .isEqualTo("nas.csi.example.com");
    assertThat(env.get("KRUISE_E2B_AUTH_ENABLED").getValue()).isEqualTo("false");
    assertThat(env.get("KRUISE_PROXY_CONNECT_ON_TRAFFIC").getValue()).isEqualTo("true");
    assertThat(env.get("KRUISE_PROXY_IDLE_TIMEOUT").getValue()).isEqualTo("0s");
    assertThat(env.get("QUARKUS_LOG_LEVEL").getValue()).isEqualTo("DEBUG");
  }

  @Test
  void replicasComeFromValues() {
    assertThat(DEFAULTS.one(Deployment.class, "sandbox-manager").getSpec().getReplicas())
        .isEqualTo(2);
    assertThat(DEFAULTS.one(Deployment.class, "sandbox-controller-manager").getSpec().getReplicas())
        .isEqualTo(2);
    Rendered r =
        Rendered.render(
            "x", Map.of("sandboxManager.replicas", "5", "controllerManager.replicas", "3"));
    assertThat(r.one(Deployment.class, "sandbox-manager").getSpec().getReplicas()).isEqualTo(5);
    assertThat(r.one(Deployment.class, "sandbox-controller-manager").getSpec().getReplicas())
        .isEqualTo(3);
  }

  @Test
  void hpaReplacesTheReplicaCount() {
    assertThat(DEFAULTS.all(HorizontalPodAutoscaler.class)).isEmpty();
    Rendered r =
        Rendered.render(
            "x",
            Map.of(
                "sandboxManager.autoscaling.enabled", "true",
                "sandboxManager.autoscaling.maxReplicas", "20"));
    HorizontalPodAutoscaler hpa = r.one(HorizontalPodAutoscaler.class, "sandbox-manager");
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(20);
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("sandbox-manager");
    // Helm must not fight the HPA on every upgrade.
    assertThat(r.one(Deployment.class, "sandbox-manager").getSpec().getReplicas()).isNull();
  }

  @Test
  void hpaBoundsMustBeOrdered() {
    assertThatThrownBy(
            () ->
                Rendered.render(
                    "x",
                    Map.of(
                        "sandboxManager.autoscaling.enabled", "true",
                        "sandboxManager.autoscaling.minReplicas", "5",
                        "sandboxManager.autoscaling.maxReplicas", "3")))
        .hasMessageContaining("minReplicas must not exceed maxReplicas");
  }

  @Test
  void replicasSpreadOverNodesUnlessAffinityIsGiven() {
    for (String d : List.of("sandbox-manager", "sandbox-controller-manager")) {
      var spec = DEFAULTS.one(Deployment.class, d).getSpec();
      var term =
          spec.getTemplate()
              .getSpec()
              .getAffinity()
              .getPodAntiAffinity()
              .getPreferredDuringSchedulingIgnoredDuringExecution()
              .get(0)
              .getPodAffinityTerm();
      assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
      assertThat(term.getLabelSelector().getMatchLabels())
          .isEqualTo(spec.getSelector().getMatchLabels());
    }
    Rendered r =
        Rendered.render(
            "x",
            Map.of(
                "sandboxManager.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key",
                "pool",
                "sandboxManager.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator",
                "Exists"));
    var affinity =
        r.one(Deployment.class, "sandbox-manager").getSpec().getTemplate().getSpec().getAffinity();
    assertThat(affinity.getPodAntiAffinity()).isNull();
    assertThat(affinity.getNodeAffinity()).isNotNull();
  }

  @Test
  void podDisruptionBudgetsToggle() {
    assertThat(DEFAULTS.all(PodDisruptionBudget.class))
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("sandbox-manager", "sandbox-controller-manager");
    Rendered r =
        Rendered.render(
            "x",
            Map.of(
                "sandboxManager.podDisruptionBudget.enabled", "false",
                "controllerManager.podDisruptionBudget.enabled", "false"));
    assertThat(r.all(PodDisruptionBudget.class)).isEmpty();
  }

  @Test
  void managerRbacIsExactlyWhatItCalls() {
    assertThat(rules(DEFAULTS.one(ClusterRole.class, "kruise-agents-sandbox-manager").getRules()))
        .containsExactly(
            "|persistentvolumes|get",
            "agents.kruise.io|sandboxes|get,list,watch,create,patch,delete",
            "agents.kruise.io|sandboxsets|get,list,watch");
    Role secrets = DEFAULTS.one(Role.class, "sandbox-manager-secrets");
    assertThat(secrets.getMetadata().getNamespace()).isEqualTo(Rendered.NS);
    assertThat(rules(secrets.getRules()))
        .containsExactly("|secrets|get,list,watch,create,patch,update");
    assertThat(
            DEFAULTS.one(ClusterRoleBinding.class, "kruise-agents-sandbox-manager").getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getName()).isEqualTo("sandbox-manager");
              assertThat(s.getNamespace()).isEqualTo(Rendered.NS);
            });
  }

  @Test
  void servedNamespacesNarrowManagerRbacToRoles() {
    Rendered r =
        Rendered.render(
            "x", Map.of("e2b.servedNamespaces[0]", "team-a", "e2b.servedNamespaces[1]", "team-b"));
    assertThat(rules(r.one(ClusterRole.class, "kruise-agents-sandbox-manager").getRules()))
        .containsExactly("|persistentvolumes|get");
    List<Role> roles =
        r.all(Role.class).stream()
            .filter(x -> x.getMetadata().getName().equals("kruise-agents-sandbox-manager"))
            .toList();
    assertThat(roles)
        .extracting(x -> x.getMetadata().getNamespace())
        .containsExactly("team-a", "team-b");
    assertThat(roles)
        .allSatisfy(
            role ->
                assertThat(rules(role.getRules()))
                    .containsExactly(
                        "agents.kruise.io|sandboxes|get,list,watch,create,patch,delete",
                        "agents.kruise.io|sandboxsets|get,list,watch"));
    assertThat(r.all(RoleBinding.class))
        .extracting(b -> b.getMetadata().getNamespace())
        .contains("team-a", "team-b");
  }

  @Test
  void controllerRbacIsExactlyWhatItCalls() {
    assertThat(
            rules(DEFAULTS.one(ClusterRole.class, "kruise-agents-controller-manager").getRules()))
        .containsExactly(
            "agents.kruise.io|sandboxes|get,list,watch,create,update,patch,delete",
            "agents.kruise.io|sandboxsets|get,list,watch",
            "agents.kruise.io|sandboxclaims|get,list,watch,delete",
            "agents.kruise.io|sandboxes/status|update,patch",
            "agents.kruise.io|sandboxsets/status|update,patch",
            "agents.kruise.io|sandboxclaims/status|update,patch",
            "agents.kruise.io|sandboxes/finalizers|update",
            "agents.kruise.io|sandboxsets/finalizers|update",
            "|pods|get,list,watch,create,patch,delete",
            "|persistentvolumeclaims|get,list,watch,create",
            "|events|create,patch");
    Role lease = DEFAULTS.one(Role.class, "sandbox-controller-manager-leader-election");
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(Rendered.NS);
    assertThat(rules(lease.getRules()))
        .containsExactly("coordination.k8s.io|leases|get,create,update,patch");
    // Nobody gets wildcard or cluster-wide Secret access.
    assertThat(DEFAULTS.all(ClusterRole.class))
        .flatExtracting(c -> rules(c.getRules()))
        .noneMatch(s -> s.contains("*") || s.contains("|secrets|"));
  }

  @Test
  void ingressIsOffByDefaultAndItsHostsNeverCarryAPort() {
    assertThat(DEFAULTS.all(Ingress.class)).isEmpty();
    Rendered r =
        Rendered.render(
            "x", Map.of("ingress.enabled", "true", "e2b.domain", "agents.example.com:8080"));
    Ingress ing = r.one(Ingress.class, "sandbox-manager");
    assertThat(ing.getSpec().getRules())
        .extracting(IngressRule::getHost)
        .containsExactly("*.agents.example.com", "agents.example.com");
    assertThat(ing.getSpec().getRules())
        .allSatisfy(
            rule ->
                assertThat(rule.getHttp().getPaths().get(0).getBackend().getService())
                    .satisfies(
                        s -> {
                          assertThat(s.getName()).isEqualTo("sandbox-manager");
                          assertThat(s.getPort().getName()).isEqualTo("e2b");
                        }));
    assertThat(ing.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(ing.getSpec().getTls())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getSecretName()).isEqualTo("sandbox-manager-tls");
              assertThat(t.getHosts())
                  .containsExactly("*.agents.example.com", "agents.example.com");
            });
    assertThat(r.kind("Certificate")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"native,*.example.com", "private,example.com"})
  void ingressModesPickTheirHost(String mode, String host) {
    Rendered r =
        Rendered.render(
            "x",
            Map.of(
                "ingress.enabled", "true",
                "ingress.mode", mode,
                "e2b.domain", "example.com",
                "ingress.tls.enabled", "false"));
    Ingress ing = r.one(Ingress.class, "sandbox-manager");
    assertThat(ing.getSpec().getRules()).extracting(IngressRule::getHost).containsExactly(host);
    assertThat(ing.getSpec().getTls()).isNullOrEmpty();
  }

  @Test
  void certManagerCertificateCoversTheIngressHosts() {
    Rendered r =
        Rendered.render(
            "x",
            Map.of(
                "ingress.enabled", "true",
                "e2b.domain", "example.com",
                "ingress.tls.secretName", "my-tls",
                "ingress.tls.certManager.enabled", "true",
                "ingress.tls.certManager.issuerRef.name", "dns01"));
    GenericKubernetesResource cert = r.kind("Certificate").get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) cert.getAdditionalProperties().get("spec");
    assertThat(spec.get("secretName")).isEqualTo("my-tls");
    assertThat(spec.get("dnsNames")).isEqualTo(List.of("*.example.com", "example.com"));
    assertThat(spec.get("issuerRef")).isEqualTo(Map.of("kind", "ClusterIssuer", "name", "dns01"));
    assertThat(r.one(Ingress.class, "sandbox-manager").getSpec().getTls().get(0).getSecretName())
        .isEqualTo("my-tls");
  }

  @Test
  void serviceMonitorsToggle() {
    assertThat(DEFAULTS.kind("ServiceMonitor")).isEmpty();
    Rendered r = Rendered.render("x", Map.of("serviceMonitor.enabled", "true"));
    assertThat(r.kind("ServiceMonitor"))
        .extracting(m -> m.getMetadata().getName())
        .containsExactly("sandbox-manager", "sandbox-controller-manager");
  }

  @Test
  void adminKeyIsGeneratedInE2bShapeOrTakenFromValuesOrAnExistingSecret() {
    Secret generated = DEFAULTS.one(Secret.class, "sandbox-manager-admin-key");
    assertThat(generated.getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");
    String key = new String(Base64.getDecoder().decode(generated.getData().get("api-key")));
    assertThat(key).matches("e2b_[0-9a-f]{40}");

    Rendered fixed = Rendered.render("x", Map.of("e2b.adminKey.value", "e2b_00112233445566778899"));
    assertThat(
            new String(
                Base64.getDecoder()
                    .decode(
                        fixed
                            .one(Secret.class, "sandbox-manager-admin-key")
                            .getData()
                            .get("api-key"))))
        .isEqualTo("e2b_00112233445566778899");

    Rendered existing =
        Rendered.render(
            "x",
            Map.of("e2b.adminKey.existingSecret", "my-keys", "e2b.adminKey.secretKey", "admin"));
    assertThat(existing.all(Secret.class)).isEmpty();
    assertThat(env(existing, "sandbox-manager").get("E2B_ADMIN_API_KEY").getValueFrom())
        .satisfies(
            v -> {
              assertThat(v.getSecretKeyRef().getName()).isEqualTo("my-keys");
              assertThat(v.getSecretKeyRef().getKey()).isEqualTo("admin");
            });
  }

  @Test
  void anExistingAdminKeyIsKeptOnUpgrade() {
    String kept = "e2b_" + "ab".repeat(20);
    String b64 = Base64.getEncoder().encodeToString(kept.getBytes());
    FakeApiServer api = FakeApiServer.get();
    String id = Rendered.NS + "/sandbox-manager-admin-key";
    api.secrets.put(
        id,
        """
        {"apiVersion":"v1","kind":"Secret","metadata":{"name":"sandbox-manager-admin-key",
        "namespace":"sandbox-system"},"data":{"api-key":"%s"}}"""
            .formatted(b64));
    try {
      Rendered upgrade = Rendered.render("kruise-agents", Map.of("sandboxManager.replicas", "3"));
      assertThat(upgrade.one(Secret.class, "sandbox-manager-admin-key").getData())
          .containsEntry("api-key", b64);
    } finally {
      api.secrets.remove(id);
    }
  }

  @Test
  void probesUseSmallRyeHealthAndPodsAreRestricted() {
    for (String[] d :
        new String[][] {{"sandbox-manager", "e2b"}, {"sandbox-controller-manager", "http"}}) {
      Container c = container(DEFAULTS, d[0]);
      assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
      assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/started");
      assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo(d[1]);
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/tmp");
      assertThat(
              DEFAULTS
                  .one(Deployment.class, d[0])
                  .getSpec()
                  .getTemplate()
                  .getSpec()
                  .getSecurityContext()
                  .getRunAsNonRoot())
          .isTrue();
    }
    assertThat(container(DEFAULTS, "sandbox-controller-manager").getPorts())
        .extracting(p -> p.getContainerPort())
        .containsExactly(8081);
  }

  @Test
  void imagesDefaultToTheAppVersionTag() {
    assertThat(container(DEFAULTS, "sandbox-manager").getImage())
        .isEqualTo("docker.io/openkruise/kruise-agents-sandbox-manager:0.1.0");
    assertThat(container(DEFAULTS, "sandbox-controller-manager").getImage())
        .isEqualTo("docker.io/openkruise/kruise-agents-controller-manager:0.1.0");
    Rendered r = Rendered.render("x", Map.of("image.tag", "dev", "image.registry", "reg.local"));
    assertThat(container(r, "sandbox-manager").getImage())
        .isEqualTo("reg.local/openkruise/kruise-agents-sandbox-manager:dev");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "sandboxManager.replicas|-1",
        "sandboxManager.replicas|two",
        "controllerManager.replicas|-3",
        "e2b.domain|''",
        "e2b.domain|https://x.example.com",
        "e2b.timeouts.max|forever",
        "sandboxManager.proxy.idleTimeout|5 minutes",
        "sandboxManager.proxy.maxConnectionsPerSandbox|0",
        "e2b.adminKey.value|admin-987654321",
        "ingress.mode|wildcard",
        "sandboxManager.replicaCount|2",
        "e2b.enableAuth|true"
      })
  void schemaRejectsWrongValues(String key, String value) {
    assertThatThrownBy(() -> Rendered.render("x", Map.of(key, value)))
        .hasMessageContaining("values don't meet the specifications of the schema");
  }
}
