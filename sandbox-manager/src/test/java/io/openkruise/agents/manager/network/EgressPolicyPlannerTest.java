package io.openkruise.agents.manager.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.openkruise.agents.api.MetadataKeys;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class EgressPolicyPlannerTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final EgressPolicyPlanner.Defaults DEFAULTS =
      EgressPolicyPlanner.Defaults.parse(
          List.of("169.254.169.254/32", "10.0.0.0/8", "fc00::/7"), List.of("10.255.0.2/32"));

  static NetworkSpecView plan(String createBody) throws Exception {
    NetworkRules rules = NetworkRules.fromCreate(JSON.readTree(createBody)).orElseThrow();
    return new NetworkSpecView(EgressPolicyPlanner.plan(rules, "sbx1", DEFAULTS));
  }

  /** The spec's egress rules as "cidr except [...] ports" strings, DNS first. */
  record NetworkSpecView(NetworkPolicySpec spec) {
    List<String> blocks() {
      return spec.getEgress().stream()
          .skip(1)
          .flatMap(
              r ->
                  r.getTo().stream()
                      .map(NetworkPolicyPeer::getIpBlock)
                      .filter(Objects::nonNull)
                      .map(b -> text(b, r)))
          .toList();
    }

    private static String text(IPBlock b, NetworkPolicyEgressRule r) {
      String s = b.getCidr();
      if (b.getExcept() != null && !b.getExcept().isEmpty()) {
        s += " except " + b.getExcept();
      }
      if (r.getPorts() != null && !r.getPorts().isEmpty()) {
        s +=
            " ports "
                + r.getPorts().stream()
                    .map(
                        p ->
                            p.getProtocol()
                                + ":"
                                + p.getPort().getIntVal()
                                + (p.getEndPort() == null ? "" : "-" + p.getEndPort()))
                    .toList();
      }
      return s;
    }
  }

  @Test
  void selectsExactlyTheSandboxsPodAndRestrictsEgressOnly() throws Exception {
    NetworkPolicySpec spec = plan("{\"allow_internet_access\": false}").spec();
    assertThat(spec.getPodSelector().getMatchLabels())
        .isEqualTo(Map.of(MetadataKeys.LABEL_EGRESS_POLICY, "sbx1"));
    assertThat(spec.getPodSelector().getMatchExpressions()).isNullOrEmpty();
    assertThat(spec.getPolicyTypes()).containsExactly("Egress");
    assertThat(spec.getIngress()).isNullOrEmpty();
  }

  @Test
  void clusterDnsStaysOpenOnPort53() throws Exception {
    NetworkPolicyEgressRule dns =
        plan("{\"allow_internet_access\": false}").spec().getEgress().get(0);
    assertThat(dns.getPorts())
        .extracting(p -> p.getProtocol() + "/" + p.getPort().getIntVal())
        .containsExactly("UDP/53", "TCP/53");
    assertThat(dns.getTo().get(0).getPodSelector().getMatchLabels())
        .isEqualTo(Map.of("k8s-app", "kube-dns"));
    assertThat(dns.getTo().get(0).getNamespaceSelector()).isNotNull();
    assertThat(dns.getTo().get(1).getIpBlock().getCidr()).isEqualTo("10.255.0.2/32");
  }

  @Test
  void noInternetAccessLeavesOnlyDns() throws Exception {
    NetworkSpecView view = plan("{\"allow_internet_access\": false}");
    assertThat(view.spec().getEgress()).hasSize(1);
    assertThat(view.blocks()).isEmpty();
  }

  @Test
  void denyOutBlocksBecomeExceptsOfTheOpenInternetNextToTheConfiguredOnes() throws Exception {
    assertThat(
            plan("{\"network\": {\"denyOut\": [\"8.8.8.8\", \"1.2.3.0/24\", \"10.1.0.0/16\"]}}")
                .blocks())
        .containsExactly(
            "0.0.0.0/0 except [1.2.3.0/24, 10.0.0.0/8, 169.254.169.254/32, 8.8.8.8/32]",
            "::/0 except [fc00::/7]");
  }

  @Test
  void allowOutWinsOverDenyOutAndKeepsItsPorts() throws Exception {
    assertThat(
            plan("{\"network\": {\"allowOut\": [\"1.1.1.1\", \"8.8.8.0/24:443\","
                    + " \"9.9.9.9:1000-2000\"], \"denyOut\": [\"0.0.0.0/0\"]}}")
                .blocks())
        .containsExactly(
            "1.1.1.1/32",
            "8.8.8.0/24 ports [TCP:443, UDP:443]",
            "9.9.9.9/32 ports [TCP:1000-2000, UDP:1000-2000]");
  }

  @Test
  void anAllowedBlockNeverOpensAConfiguredDeniedRangeInsideIt() throws Exception {
    assertThat(
            plan("{\"allow_internet_access\": false, \"network\": {\"allowOut\": [\"0.0.0.0/1\"]}}")
                .blocks())
        .containsExactly("0.0.0.0/1 except [10.0.0.0/8]");
  }

  @Test
  void anAllowedBlockInsideAConfiguredDeniedRangeIs400() {
    assertThatThrownBy(() -> plan("{\"network\": {\"allowOut\": [\"10.96.0.1\"]}}"))
        .isInstanceOf(InvalidNetworkRules.class)
        .hasMessageContaining("allowOut")
        .hasMessageContaining("10.0.0.0/8");
    assertThatThrownBy(() -> plan("{\"network\": {\"allowOut\": [\"169.254.169.254\"]}}"))
        .isInstanceOf(InvalidNetworkRules.class);
  }

  @Test
  void denyingAllIpv4ClosesIpv6TooButDenyingIpv6LeavesIpv4() throws Exception {
    assertThat(plan("{\"network\": {\"denyOut\": [\"0.0.0.0/0\"]}}").blocks()).isEmpty();
    assertThat(plan("{\"network\": {\"denyOut\": [\"::/0\"]}}").blocks())
        .containsExactly("0.0.0.0/0 except [10.0.0.0/8, 169.254.169.254/32]");
  }

  @Test
  void nestedExceptsCollapseToTheOutermost() throws Exception {
    assertThat(plan("{\"network\": {\"denyOut\": [\"10.2.3.4\", \"2001:db8::/32\"]}}").blocks())
        .containsExactly(
            "0.0.0.0/0 except [10.0.0.0/8, 169.254.169.254/32]",
            "::/0 except [2001:db8::/32, fc00::/7]");
  }
}
