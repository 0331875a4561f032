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
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.openkruise.agents.api.MetadataKeys;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@io.openkruise.agents.testing.tier.UnitTier
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

  /** The deployment's default env, checked to set exactly {@code names} in that order. */
  private static Map<String, EnvVar> envExactly(String deployment, String... names) {
    Map<String, EnvVar> env = env(DEFAULTS, deployment);
    assertThat(env.keySet()).containsExactly(names);
    return env;
  }

  /** Rules as "group|resource|verbs[|names]" strings: easy to compare exactly. */
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
                                + String.join(",", r.getVerbs())
                                + (r.getResourceNames() == null || r.getResourceNames().isEmpty()
                                    ? ""
                                    : "|" + String.join(",", r.getResourceNames()))))
        .toList();
  }

  @Test
  void lintPasses() {
    LintResult result = new Helm(Rendered.CHART).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void everyNamespacedObjectIsInTheReleaseNamespace() {
    // NetworkPolicies go where the sandboxes are (networkPoliciesIsolateSandboxPods).
    List<HasMetadata> namespaced =
        DEFAULTS.objects.stream()
            .filter(o -> o instanceof Namespaced && !(o instanceof NetworkPolicy))
            .toList();
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
        .containsExactly(tuple("e2b", 7788), tuple("management", 9000));
    Deployment d = DEFAULTS.one(Deployment.class, "sandbox-manager");
    assertThat(svc.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(svc.getSpec().getSelector());
  }

  /**
   * /q/* lives on the management port: the public Service (and so the Ingress, whose only backend
   * is its e2b port) never exposes it; the *-metrics Services do, and nothing else.
   */
  @Test
  void managementPortIsOnlyOnTheMetricsServices() {
    Service publicService = DEFAULTS.one(Service.class, "sandbox-manager");
    assertThat(publicService.getSpec().getPorts())
        .extracting(p -> p.getTargetPort().getStrVal())
        .containsOnly("e2b");
    assertThat(DEFAULTS.one(Ingress.class, "sandbox-manager").getSpec().getRules())
        .flatExtracting(r -> r.getHttp().getPaths())
        .extracting(p -> p.getBackend().getService())
        .allSatisfy(
            b -> {
              assertThat(b.getName()).isEqualTo("sandbox-manager");
              assertThat(b.getPort().getName()).isEqualTo("e2b");
            });
    for (String d : List.of("sandbox-manager", "sandbox-controller-manager")) {
      Service metrics = DEFAULTS.one(Service.class, d + "-metrics");
      assertThat(metrics.getSpec().getPorts())
          .extracting(
              ServicePort::getName, ServicePort::getPort, p -> p.getTargetPort().getStrVal())
          .containsExactly(tuple("management", 9000, "management"));
      assertThat(metrics.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/component", "metrics");
      assertThat(
              DEFAULTS.one(Deployment.class, d).getSpec().getTemplate().getMetadata().getLabels())
          .containsAllEntriesOf(metrics.getSpec().getSelector());
      assertThat(env(DEFAULTS, d).get("QUARKUS_MANAGEMENT_PORT").getValue()).isEqualTo("9000");
    }
    assertThat(publicService.getMetadata().getLabels())
        .doesNotContainKey("app.kubernetes.io/component");

    Rendered moved = Rendered.render("x", Map.of("management.port", "9100"));
    assertThat(env(moved, "sandbox-manager").get("QUARKUS_MANAGEMENT_PORT").getValue())
        .isEqualTo("9100");
    assertThat(container(moved, "sandbox-controller-manager").getPorts())
        .extracting(p -> p.getName(), p -> p.getContainerPort())
        .containsExactly(tuple("management", 9100));
    assertThat(moved.one(Service.class, "sandbox-manager-metrics").getSpec().getPorts())
        .extracting(ServicePort::getPort)
        .containsExactly(9100);
  }

  @Test
  void managerEnvIsExactlyWhatTheBinaryReads() {
    Map<String, EnvVar> env =
        envExactly(
            "sandbox-manager",
            "E2B_DOMAIN",
            "E2B_ADMIN_API_KEY",
            "KRUISE_E2B_AUTH_ENABLED",
            "KRUISE_SYSTEM_NAMESPACE",
            "KRUISE_E2B_NETWORK_DENIED_CIDRS",
            "KRUISE_SANDBOX_KEY",
            "QUARKUS_MANAGEMENT_PORT",
            "KRUISE_E2B_DEFAULT_TIMEOUT",
            "KRUISE_E2B_MAX_TIMEOUT",
            "KRUISE_E2B_PAUSED_RETENTION",
            "KRUISE_E2B_CLAIM_TIMEOUT",
            "KRUISE_E2B_MAX_CLAIM_TIMEOUT",
            "KRUISE_E2B_WAIT_READY_TIMEOUT",
            "KRUISE_E2B_MAX_WAIT_READY_TIMEOUT",
            "KRUISE_E2B_INIT_MARK_SYNC_AFTER",
            "KRUISE_E2B_QUOTA_MAX_RUNNING_PER_KEY",
            "KRUISE_E2B_QUOTA_MAX_RUNNING_ADMIN",
            "KRUISE_E2B_MAX_REQUEST_BODY",
            "KRUISE_E2B_CREATE_ON_NO_STOCK",
            "KRUISE_PROXY_CONNECT_TIMEOUT",
            "KRUISE_PROXY_IDLE_TIMEOUT",
            "KRUISE_PROXY_MAX_CONNECTIONS_PER_SANDBOX",
            "KRUISE_PROXY_CONNECT_ON_TRAFFIC",
            "KRUISE_PROXY_ACCESS_LOG",
            "KRUISE_PROXY_NEGATIVE_CACHE_SIZE",
            "KRUISE_PROXY_NEGATIVE_CACHE_TTL",
            "KRUISE_PROXY_LIVE_READS_PER_SECOND",
            "KRUISE_PROXY_LIVE_READ_BURST",
            "KRUISE_PROXY_VERIFY_POD_IDENTITY",
            "KRUISE_E2B_AUTH_FAILED_BURST",
            "KRUISE_E2B_AUTH_FAILED_PER_SECOND",
            "KRUISE_E2B_AUTH_FAILED_MAX_CLIENTS");
    assertThat(env.get("KRUISE_PROXY_CONNECT_ON_TRAFFIC").getValue()).isEqualTo("true");
    assertThat(env.get("KRUISE_PROXY_LIVE_READ_BURST").getValue()).isEqualTo("40");
    assertThat(env.get("KRUISE_E2B_AUTH_FAILED_BURST").getValue()).isEqualTo("100");
    assertThat(env.get("E2B_DOMAIN").getValue()).isEqualTo("your.domain.com");
    assertThat(env.get("KRUISE_SYSTEM_NAMESPACE").getValue()).isEqualTo(Rendered.NS);
    assertThat(env.get("KRUISE_E2B_MAX_TIMEOUT").getValue()).isEqualTo("24h");
    assertFromSecret(env.get("E2B_ADMIN_API_KEY"), "sandbox-manager-admin-key", "api-key");

    Map<String, EnvVar> controller =
        envExactly(
            "sandbox-controller-manager",
            "KRUISE_CONTROLLER_SYSTEM_NAMESPACE",
            "KRUISE_CONTROLLER_LEADER_ELECTION_LEASE_NAME",
            "QUARKUS_OPERATOR_SDK_CONCURRENT_RECONCILIATION_THREADS",
            "KRUISE_CONTROLLER_UNFINISHED_CLAIM_TIMEOUT",
            "KRUISE_SANDBOX_KEY",
            "QUARKUS_MANAGEMENT_PORT");
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
                "sandboxManager.proxy.connectOnTraffic", "false",
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
    assertThat(env.get("KRUISE_PROXY_CONNECT_ON_TRAFFIC").getValue()).isEqualTo("false");
    assertThat(env.get("KRUISE_PROXY_IDLE_TIMEOUT").getValue()).isEqualTo("0s");
    assertThat(env.get("QUARKUS_LOG_LEVEL").getValue()).isEqualTo("DEBUG");
    // The controller's informers follow the served namespaces too (its RBAC is Roles there).
    assertThat(
            env(r, "sandbox-controller-manager").get("QUARKUS_OPERATOR_SDK_NAMESPACES").getValue())
        .isEqualTo("team-a,team-b");
    assertThat(env(DEFAULTS, "sandbox-controller-manager"))
        .doesNotContainKey("QUARKUS_OPERATOR_SDK_NAMESPACES");
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

  /** What the manager may do where sandboxes are (cluster-wide, or in each served namespace). */
  private static final List<String> MANAGER_RULES =
      List.of(
          "agents.kruise.io|sandboxes|get,list,watch,create,patch,delete",
          "agents.kruise.io|sandboxsets|get,list,watch",
          "|pods/log|get",
          "networking.k8s.io|networkpolicies|create,patch",
          "|pods|patch",
          "|pods|get,list,watch");

  @Test
  void managerRbacIsExactlyWhatItCalls() {
    assertThat(rules(DEFAULTS.one(ClusterRole.class, "kruise-agents-sandbox-manager").getRules()))
        .containsExactlyElementsOf(
            Stream.concat(MANAGER_RULES.stream(), Stream.of("|namespaces|get")).toList());
    Role secrets = DEFAULTS.one(Role.class, "sandbox-manager-secrets");
    assertThat(secrets.getMetadata().getNamespace()).isEqualTo(Rendered.NS);
    // Only the key store, by name: no create (the chart makes it), no other Secret.
    assertThat(rules(secrets.getRules()))
        .containsExactly("|secrets|get,list,watch,patch|e2b-key-store");
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
  void csiGrantsPersistentVolumesAndExactlyTheListedNodePublishSecrets() {
    Rendered r =
        Rendered.render(
            "x",
            Map.of(
                "e2b.csiAllowedDrivers[0]", "nas.csi.example.com",
                "e2b.csiNodePublishSecrets[0]", "nas-credentials",
                "e2b.csiNodePublishSecrets[1]", "oss-credentials"));
    assertThat(rules(r.one(ClusterRole.class, "kruise-agents-sandbox-manager").getRules()))
        .contains("|persistentvolumes|get");
    assertThat(rules(r.one(Role.class, "sandbox-manager-secrets").getRules()))
        .containsExactly(
            "|secrets|get,list,watch,patch|e2b-key-store",
            "|secrets|get|nas-credentials,oss-credentials");
    assertThat(rules(DEFAULTS.one(ClusterRole.class, "kruise-agents-sandbox-manager").getRules()))
        .noneMatch(rule -> rule.contains("persistentvolumes"));
  }

  @Test
  void servedNamespacesNarrowManagerRbacToRoles() {
    // Nothing cluster-wide is left without CSI.
    assertOnlyRolesInTeamAAndB(
        servingTeamAAndB(), "kruise-agents-sandbox-manager", "sandbox-manager", MANAGER_RULES);
    Rendered withCsi =
        Rendered.render(
            "x",
            Map.of("e2b.servedNamespaces[0]", "team-a", "e2b.csiAllowedDrivers[0]", "d.example"));
    assertThat(rules(withCsi.one(ClusterRole.class, "kruise-agents-sandbox-manager").getRules()))
        .containsExactly("|persistentvolumes|get");
  }

  private static Rendered servingTeamAAndB() {
    return Rendered.render(
        "x", Map.of("e2b.servedNamespaces[0]", "team-a", "e2b.servedNamespaces[1]", "team-b"));
  }

  /**
   * {@code name} is neither a ClusterRole nor a ClusterRoleBinding: exactly one Role with {@code
   * rules} in each of team-a and team-b, bound by a RoleBinding of the same name to ServiceAccount
   * {@code account} of the release namespace.
   */
  private static void assertOnlyRolesInTeamAAndB(
      Rendered r, String name, String account, List<String> rules) {
    assertThat(r.find(ClusterRole.class, name)).isEmpty();
    assertThat(r.find(ClusterRoleBinding.class, name)).isEmpty();
    List<Role> roles =
        r.all(Role.class).stream().filter(x -> x.getMetadata().getName().equals(name)).toList();
    assertThat(roles)
        .extracting(x -> x.getMetadata().getNamespace())
        .containsExactly("team-a", "team-b");
    assertThat(roles)
        .allSatisfy(role -> assertThat(rules(role.getRules())).containsExactlyElementsOf(rules));
    List<RoleBinding> bindings =
        r.all(RoleBinding.class).stream()
            .filter(b -> b.getMetadata().getName().equals(name))
            .toList();
    assertThat(bindings)
        .extracting(b -> b.getMetadata().getNamespace())
        .containsExactly("team-a", "team-b");
    assertThat(bindings)
        .flatExtracting(RoleBinding::getSubjects)
        .isNotEmpty()
        .allSatisfy(
            sub -> {
              assertThat(sub.getName()).isEqualTo(account);
              assertThat(sub.getNamespace()).isEqualTo(Rendered.NS);
            });
  }

  private static final List<String> CONTROLLER_RULES =
      List.of(
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
          "|secrets|get,list,watch,create,delete",
          "|events|create,patch");

  @Test
  void controllerRbacIsExactlyWhatItCalls() {
    assertThat(
            rules(DEFAULTS.one(ClusterRole.class, "kruise-agents-controller-manager").getRules()))
        .containsExactlyElementsOf(CONTROLLER_RULES);
    Role lease = DEFAULTS.one(Role.class, "sandbox-controller-manager-leader-election");
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(Rendered.NS);
    assertThat(rules(lease.getRules()))
        .containsExactly("coordination.k8s.io|leases|get,create,update,patch");
    // No wildcards; the manager never gets Secrets cluster-wide.
    assertThat(DEFAULTS.all(ClusterRole.class))
        .flatExtracting(c -> rules(c.getRules()))
        .noneMatch(s -> s.contains("*"));
    assertThat(rules(DEFAULTS.one(ClusterRole.class, "kruise-agents-sandbox-manager").getRules()))
        .noneMatch(s -> s.contains("|secrets|"));
  }

  @Test
  void servedNamespacesNarrowControllerRbacToRoles() {
    Rendered r = servingTeamAAndB();
    // With served namespaces nobody holds anything cluster-wide.
    assertThat(r.all(ClusterRole.class)).isEmpty();
    assertOnlyRolesInTeamAAndB(
        r, "kruise-agents-controller-manager", "sandbox-controller-manager", CONTROLLER_RULES);
  }

  @Test
  void ingressIsOnByDefaultAsInTheSeedsAndAValueTurnsItOff() {
    Ingress seeds = DEFAULTS.one(Ingress.class, "sandbox-manager");
    assertThat(seeds.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(seeds.getSpec().getRules())
        .extracting(IngressRule::getHost)
        .containsExactly("*.your.domain.com", "your.domain.com");
    assertThat(seeds.getSpec().getTls())
        .singleElement()
        .satisfies(t -> assertThat(t.getSecretName()).isEqualTo("sandbox-manager-tls"));
    assertThat(Rendered.render("x", Map.of("ingress.enabled", "false")).all(Ingress.class))
        .isEmpty();
  }

  @Test
  void ingressHostsNeverCarryAPort() {
    Rendered r = Rendered.render("x", Map.of("e2b.domain", "agents.example.com:8080"));
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
    // Each selects exactly its *-metrics Service and scrapes the management port.
    for (GenericKubernetesResource monitor : r.kind("ServiceMonitor")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> spec =
          (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
      @SuppressWarnings("unchecked")
      Map<String, String> selector =
          (Map<String, String>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
      List<Service> selected =
          r.all(Service.class).stream()
              .filter(
                  svc -> svc.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
              .toList();
      assertThat(selected)
          .extracting(svc -> svc.getMetadata().getName())
          .containsExactly(monitor.getMetadata().getName() + "-metrics");
      assertThat(spec.get("endpoints"))
          .isEqualTo(
              List.of(Map.of("port", "management", "path", "/q/metrics", "interval", "30s")));
    }
  }

  @Test
  void adminKeyIsGeneratedInE2bShapeOrTakenFromValuesOrAnExistingSecret() {
    Secret generated = DEFAULTS.one(Secret.class, "sandbox-manager-admin-key");
    assertThat(generated.getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");
    assertThat(secretValue(DEFAULTS, "sandbox-manager-admin-key", "api-key"))
        .matches("e2b_[0-9a-f]{40}");

    Rendered fixed = Rendered.render("x", Map.of("e2b.adminKey.value", "e2b_00112233445566778899"));
    assertThat(secretValue(fixed, "sandbox-manager-admin-key", "api-key"))
        .isEqualTo("e2b_00112233445566778899");

    Rendered existing =
        Rendered.render(
            "x",
            Map.of("e2b.adminKey.existingSecret", "my-keys", "e2b.adminKey.secretKey", "admin"));
    assertThat(existing.find(Secret.class, "sandbox-manager-admin-key")).isEmpty();
    assertFromSecret(env(existing, "sandbox-manager").get("E2B_ADMIN_API_KEY"), "my-keys", "admin");
  }

  @Test
  void anExistingAdminKeyIsKeptOnUpgrade() {
    String kept = "e2b_" + "ab".repeat(20);
    String b64 = Base64.getEncoder().encodeToString(kept.getBytes());
    Rendered upgrade = upgradeOver("sandbox-manager-admin-key", "api-key", b64);
    assertThat(upgrade.one(Secret.class, "sandbox-manager-admin-key").getData())
        .containsEntry("api-key", b64);
  }

  /** Key {@code key} of the rendered Secret {@code name}, decoded. */
  private static String secretValue(Rendered r, String name, String key) {
    return new String(Base64.getDecoder().decode(r.one(Secret.class, name).getData().get(key)));
  }

  /**
   * An upgrade rendered while the API server holds Secret {@code name} (in the release namespace)
   * with {@code key}: {@code value} (base64), as an earlier install left it.
   */
  private static Rendered upgradeOver(String name, String key, String value) {
    FakeApiServer api = FakeApiServer.get();
    String id = Rendered.NS + "/" + name;
    api.secrets.put(
        id,
        """
        {"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s",
        "namespace":"sandbox-system"},"data":{"%s":"%s"}}"""
            .formatted(name, key, value));
    try {
      return Rendered.render("kruise-agents", Map.of("sandboxManager.replicas", "3"));
    } finally {
      api.secrets.remove(id);
    }
  }

  @Test
  void sandboxKeyIsGeneratedOnceAndReachesBothServices() {
    Secret generated = DEFAULTS.one(Secret.class, "kruise-agents-sandbox-key");
    assertThat(generated.getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");
    String key = secretValue(DEFAULTS, "kruise-agents-sandbox-key", "sandbox-key");
    assertThat(key).matches("[0-9a-f]{64}");
    assertThat(
            secretValue(Rendered.render("x", Map.of()), "kruise-agents-sandbox-key", "sandbox-key"))
        .as("a fresh install gets a fresh key")
        .isNotEqualTo(key);
    assertSandboxKeyFrom(DEFAULTS, "kruise-agents-sandbox-key", "sandbox-key");

    Rendered existing =
        Rendered.render(
            "x", Map.of("sandboxKey.existingSecret", "my-key", "sandboxKey.secretKey", "k"));
    assertThat(existing.find(Secret.class, "kruise-agents-sandbox-key")).isEmpty();
    assertSandboxKeyFrom(existing, "my-key", "k");
  }

  /** Both services read {@code KRUISE_SANDBOX_KEY} from Secret {@code secret}, key {@code key}. */
  private static void assertSandboxKeyFrom(Rendered r, String secret, String key) {
    for (String d : List.of("sandbox-manager", "sandbox-controller-manager")) {
      assertFromSecret(env(r, d).get("KRUISE_SANDBOX_KEY"), secret, key);
    }
  }

  /** {@code var} takes its value from key {@code key} of Secret {@code secret}. */
  private static void assertFromSecret(EnvVar var, String secret, String key) {
    assertThat(var.getValueFrom().getSecretKeyRef())
        .satisfies(
            ref -> {
              assertThat(ref.getName()).isEqualTo(secret);
              assertThat(ref.getKey()).isEqualTo(key);
            });
  }

  @Test
  void anExistingSandboxKeyIsKeptOnUpgrade() {
    String b64 = Base64.getEncoder().encodeToString("cd".repeat(32).getBytes());
    Rendered upgrade = upgradeOver("kruise-agents-sandbox-key", "sandbox-key", b64);
    assertThat(upgrade.one(Secret.class, "kruise-agents-sandbox-key").getData())
        .containsEntry("sandbox-key", b64);
  }

  /**
   * The key store exists before the manager's first key (RBAC cannot grant create by name), carries
   * no data (upgrades never touch the keys) and survives uninstall; a store an older manager
   * created is left alone instead of failing the upgrade on ownership.
   */
  @Test
  void theChartCreatesAnEmptyKeyStoreUnlessAnUnmanagedOneExists() {
    Secret store = DEFAULTS.one(Secret.class, "e2b-key-store");
    assertThat(store.getMetadata().getNamespace()).isEqualTo(Rendered.NS);
    assertThat(store.getData()).isNullOrEmpty();
    assertThat(store.getStringData()).isNullOrEmpty();
    assertThat(store.getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");

    FakeApiServer api = FakeApiServer.get();
    String id = Rendered.NS + "/e2b-key-store";
    try {
      api.secrets.put(
          id,
          """
          {"apiVersion":"v1","kind":"Secret","metadata":{"name":"e2b-key-store",
          "namespace":"sandbox-system"},"data":{"k1":"e30="}}""");
      assertThat(Rendered.render("kruise-agents", Map.of()).find(Secret.class, "e2b-key-store"))
          .isEmpty();
      api.secrets.put(
          id,
          """
          {"apiVersion":"v1","kind":"Secret","metadata":{"name":"e2b-key-store",
          "namespace":"sandbox-system","annotations":{"meta.helm.sh/release-name":"kruise-agents"}},
          "data":{"k1":"e30="}}""");
      assertThat(
              Rendered.render("kruise-agents", Map.of())
                  .one(Secret.class, "e2b-key-store")
                  .getData())
          .isNullOrEmpty();
    } finally {
      api.secrets.remove(id);
    }
  }

  private static List<NetworkPolicy> policies(Rendered r) {
    return r.all(NetworkPolicy.class);
  }

  /**
   * Sandbox pods (selected by the label the controller puts on every pod it creates) accept only
   * the two managers, and reach DNS, the managers' E2B port and the internet but not the metadata
   * service, the control plane or the pod network.
   */
  @Test
  void networkPoliciesIsolateSandboxPods() {
    List<NetworkPolicy> all = policies(DEFAULTS);
    assertThat(all)
        .extracting(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
        .containsExactly(
            Rendered.NS + "/kruise-agents-sandboxes",
            Rendered.NS + "/kruise-agents-sandboxes-internet",
            "default/kruise-agents-sandboxes",
            "default/kruise-agents-sandboxes-internet");
    NetworkPolicy policy = all.get(2);
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(Map.of(MetadataKeys.ANNOTATION_CREATED_BY, MetadataKeys.CREATED_BY_SANDBOX));
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");

    Map<String, String> managerPods = podLabels(DEFAULTS, "sandbox-manager");
    Map<String, String> controllerPods = podLabels(DEFAULTS, "sandbox-controller-manager");
    var peers = policy.getSpec().getIngress().get(0).getFrom();
    assertThat(policy.getSpec().getIngress()).hasSize(1);
    assertThat(policy.getSpec().getIngress().get(0).getPorts()).isNullOrEmpty();
    assertThat(peers).hasSize(2);
    assertThat(managerPods).containsAllEntriesOf(peers.get(0).getPodSelector().getMatchLabels());
    assertThat(controllerPods).containsAllEntriesOf(peers.get(1).getPodSelector().getMatchLabels());
    // The controller's selector does not also pick the managers (and vice versa).
    assertThat(managerPods.entrySet())
        .doesNotContainAnyElementsOf(
            controllerPods.entrySet().stream()
                .filter(
                    e ->
                        peers.get(1).getPodSelector().getMatchLabels().containsKey(e.getKey())
                            && !e.getKey().startsWith("app.kubernetes.io/part-of"))
                .toList());
    assertThat(peers)
        .allSatisfy(
            peer ->
                assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .isEqualTo(Map.of("kubernetes.io/metadata.name", Rendered.NS)));

    var egress = policy.getSpec().getEgress();
    assertThat(egress).hasSize(2);
    assertThat(egress.get(0).getPorts())
        .extracting(p -> p.getProtocol(), p -> p.getPort().getIntVal())
        .containsExactlyInAnyOrder(tuple("UDP", 53), tuple("TCP", 53));
    assertThat(egress.get(1).getTo().get(0).getPodSelector().getMatchLabels())
        .isEqualTo(peers.get(0).getPodSelector().getMatchLabels());
    assertThat(egress.get(1).getPorts())
        .extracting(p -> p.getPort().getIntVal())
        .containsExactly(7788)
        .doesNotContain(9000);
    // The internet: a policy of its own, for every sandbox pod but those with E2B egress rules
    // (their own policy, written by the sandbox-manager, must not be overridden by this one).
    NetworkPolicy internet = all.get(3);
    assertThat(internet.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(Map.of(MetadataKeys.ANNOTATION_CREATED_BY, MetadataKeys.CREATED_BY_SANDBOX));
    assertThat(internet.getSpec().getPodSelector().getMatchExpressions())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getKey()).isEqualTo(MetadataKeys.LABEL_EGRESS_POLICY);
              assertThat(e.getOperator()).isEqualTo("DoesNotExist");
            });
    assertThat(internet.getSpec().getPolicyTypes()).containsExactly("Egress");
    assertThat(internet.getSpec().getIngress()).isNullOrEmpty();
    var open = internet.getSpec().getEgress();
    assertThat(open).hasSize(1);
    var v4 = open.get(0).getTo().get(0).getIpBlock();
    assertThat(v4.getCidr()).isEqualTo("0.0.0.0/0");
    assertThat(v4.getExcept())
        .containsExactly("169.254.169.254/32", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16");
    var v6 = open.get(0).getTo().get(1).getIpBlock();
    assertThat(v6.getCidr()).isEqualTo("::/0");
    assertThat(v6.getExcept()).containsExactly("fc00::/7");
    assertThat(open.get(0).getPorts()).isNullOrEmpty();
    // The sandbox-manager keeps the same ranges out of every sandbox's own policy.
    assertThat(managerEnv(DEFAULTS, "KRUISE_E2B_NETWORK_DENIED_CIDRS"))
        .isEqualTo("169.254.169.254/32,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7");
  }

  private static String managerEnv(Rendered r, String name) {
    EnvVar var = env(r, "sandbox-manager").get(name);
    return var == null ? null : var.getValue();
  }

  private static Map<String, String> podLabels(Rendered r, String deployment) {
    return r.one(Deployment.class, deployment).getSpec().getTemplate().getMetadata().getLabels();
  }

  @Test
  void networkPolicyCidrsAndNamespacesComeFromValues() {
    Rendered r =
        Rendered.render(
            "x",
            Map.of(
                "networkPolicy.controlPlaneCIDRs[0]", "203.0.113.10/32",
                "networkPolicy.podCIDRs[0]", "10.244.0.0/16",
                "e2b.servedNamespaces[0]", "team-a",
                "e2b.servedNamespaces[1]", "team-b"));
    assertThat(policies(r))
        .extracting(p -> p.getMetadata().getNamespace())
        .containsExactly("team-a", "team-a", "team-b", "team-b");
    assertThat(
            policies(r).get(1).getSpec().getEgress().get(0).getTo().get(0).getIpBlock().getExcept())
        .containsExactly("169.254.169.254/32", "203.0.113.10/32", "10.244.0.0/16");
    assertThat(
            policies(r).get(1).getSpec().getEgress().get(0).getTo().get(1).getIpBlock().getExcept())
        .isNullOrEmpty();
    assertThat(managerEnv(r, "KRUISE_E2B_NETWORK_DENIED_CIDRS"))
        .isEqualTo("169.254.169.254/32,203.0.113.10/32,10.244.0.0/16");

    Rendered own =
        Rendered.render(
            "x",
            Map.of(
                "networkPolicy.namespaces[0]", "sandboxes", "e2b.servedNamespaces[0]", "team-a"));
    assertThat(policies(own))
        .extracting(p -> p.getMetadata().getNamespace())
        .containsExactly("sandboxes", "sandboxes");
    // The release namespace named `default` gets its policies once, not twice.
    assertThat(policies(Rendered.render("x", c -> c.withNamespace("default"), Map.of())))
        .extracting(p -> p.getMetadata().getNamespace())
        .containsExactly("default", "default");
  }

  @Test
  void networkPoliciesCanBeTurnedOff() {
    Rendered off = Rendered.render("x", Map.of("networkPolicy.enabled", "false"));
    assertThat(policies(off)).isEmpty();
    assertThat(managerEnv(off, "KRUISE_E2B_NETWORK_DENIED_CIDRS")).isNull();
  }

  @Test
  void probesUseSmallRyeHealthOnTheManagementPortAndPodsAreRestricted() {
    for (String[] d :
        new String[][] {
          {"sandbox-manager", "management"}, {"sandbox-controller-manager", "management"}
        }) {
      Container c = container(DEFAULTS, d[0]);
      assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
      assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/started");
      assertThat(List.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()))
          .allSatisfy(p -> assertThat(p.getHttpGet().getPort().getStrVal()).isEqualTo(d[1]));
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
        .containsExactly(9000);
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
        "management.port|7788",
        "management.port|0",
        "networkPolicy.podCIDRs[0]|10.0.0.0",
        "networkPolicy.controlPlaneCIDRs[0]|api.example.com",
        "e2b.csiNodePublishSecrets[0]|Bad_Name",
        "sandboxManager.replicaCount|2",
        "e2b.enableAuth|true"
      })
  void schemaRejectsWrongValues(String key, String value) {
    assertThatThrownBy(() -> Rendered.render("x", Map.of(key, value)))
        .hasMessageContaining("values don't meet the specifications of the schema");
  }
}
