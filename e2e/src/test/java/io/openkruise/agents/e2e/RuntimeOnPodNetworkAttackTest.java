package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.envd.EnvdPorts;
import io.openkruise.agents.envd.RuntimeAddress;
import io.openkruise.agents.envd.process.ProcessStart;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.HttpCalls;
import io.openkruise.agents.testing.Pools;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14, attacks 1 and 4, replayed against both services as processes on the local cluster: an
 * attacker on the pod network dials a pool member's runtime ({@code status.sandboxIp}:49983 and
 * :49999) directly, before and after a tenant claimed it through the E2B API.
 */
@io.openkruise.agents.testing.tier.E2eTier
class RuntimeOnPodNetworkAttackTest {

  private static final String POOL = "attacked-pool";

  @RegisterExtension
  static final TwoServices services = new TwoServices(ns -> List.of(Pools.initSet(ns, POOL, 2)));

  private static int manager;

  @BeforeAll
  static void startManager() throws Exception {
    manager = services.manager(Map.of());
  }

  private static List<Sandbox> members(boolean claimed) {
    return Pools.members(services.kube(), services.namespace(), POOL, claimed);
  }

  private static Sandbox readyMember() {
    return Pools.awaitRunningMember(
        services.kube(), services.namespace(), POOL, Duration.ofSeconds(90));
  }

  private static int call(String method, String url, byte[] body, Map<String, String> headers)
      throws Exception {
    return HttpCalls.status(method, url, body, headers);
  }

  private static String interpreter(String ip) {
    return RuntimeAddress.baseUrl(ip, EnvdPorts.CODE_INTERPRETER).orElseThrow();
  }

  private static byte[] startRequest() {
    return ProcessStart.request("/bin/bash", List.of("-c", "echo pwned"));
  }

  private static final Map<String, String> CONNECT =
      Map.of("Content-Type", "application/connect+json", "Connect-Protocol-Version", "1");
  private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

  /** A caller on the pod network without tokens, dialling the runtime at {@code ip} directly. */
  private static void assertAStrangerIsRefused(String ip) throws Exception {
    String envd = RuntimeAddress.envd(ip).orElseThrow();
    // Attack 1: the first /init caller would set the token; Start would run anything.
    assertThat(call("POST", envd + "/init", "{\"accessToken\":\"attacker\"}".getBytes(), JSON))
        .isEqualTo(401);
    assertThat(call("POST", envd + "/process.Process/Start", startRequest(), CONNECT))
        .isEqualTo(401);
    // Attack 4: the code interpreter listed contexts for anyone.
    assertThat(call("GET", interpreter(ip) + "/contexts", null, Map.of())).isEqualTo(401);
  }

  @Test
  void anUnclaimedPoolMemberRefusesInitProcessesAndContexts() throws Exception {
    Sandbox member = readyMember();
    String ip = member.getStatus().getSandboxIp();
    assertAStrangerIsRefused(ip);
    // Sandbox pods carry no API credentials.
    Pod pod =
        services
            .kube()
            .pods()
            .inNamespace(services.namespace())
            .withName(member.getMetadata().getName())
            .get();
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void afterAClaimThroughTheApiADirectCallWithoutTheTokenIsRefused() throws Exception {
    readyMember();
    Set<String> before =
        members(true).stream().map(s -> s.getMetadata().getName()).collect(Collectors.toSet());
    Reply created =
        services.create(
            manager, "{\"templateID\":\"" + POOL + "\",\"timeout\":300,\"secure\":true}");
    String token = created.body().path("envdAccessToken").asText();
    assertThat(token).isNotEmpty();
    Sandbox claimed =
        members(true).stream()
            .filter(s -> !before.contains(s.getMetadata().getName()))
            .findFirst()
            .orElseThrow();
    String ip = claimed.getStatus().getSandboxIp();

    assertAStrangerIsRefused(ip);
    // The tenant's token works: the manager's init (with the bootstrap token) went through.
    Map<String, String> withToken = new HashMap<>(CONNECT);
    withToken.put("X-Access-Token", token);
    assertThat(
            call(
                "POST",
                RuntimeAddress.envd(ip).orElseThrow() + "/process.Process/Start",
                startRequest(),
                withToken))
        .isEqualTo(200);
    assertThat(call("GET", interpreter(ip) + "/contexts", null, Map.of("X-Access-Token", token)))
        .isEqualTo(200);
  }
}
