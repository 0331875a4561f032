package io.openkruise.agents.manager.network;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpecBuilder;
import io.openkruise.agents.api.MetadataKeys;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pure translation of a sandbox's E2B egress rules into the spec of its own NetworkPolicy (Egress
 * only: ingress stays with the namespace's policy, so the managers keep reaching the runtime).
 *
 * <p>NetworkPolicies only add allowances, so E2B's "allowOut wins over denyOut, the rest is
 * allowed" becomes a union of allowed blocks:
 *
 * <ul>
 *   <li>cluster DNS (pods labelled {@code k8s-app=kube-dns} in any namespace, plus {@code
 *       dnsCidrs}) on 53/UDP and 53/TCP, always;
 *   <li>per address family, everything except the denyOut blocks and {@code deniedCidrs}, unless
 *       denyOut covers the whole family ({@code 0.0.0.0/0} also closes IPv6: E2B's "all traffic"
 *       has no IPv6 half, and a dual-stack pod must not keep the internet through it);
 *   <li>each allowOut block (with its ports), minus the {@code deniedCidrs} inside it; an allowOut
 *       block inside a denied one is a 400, since nothing of it could be opened.
 * </ul>
 */
public final class EgressPolicyPlanner {

  /** What every sandbox policy keeps whatever the request says. */
  public record Defaults(List<Cidr> deniedCidrs, List<Cidr> dnsCidrs) {

    public Defaults {
      deniedCidrs = List.copyOf(deniedCidrs);
      dnsCidrs = List.copyOf(dnsCidrs);
    }

    /** From configuration strings; a bad entry fails the start naming the property. */
    public static Defaults parse(List<String> denied, List<String> dns) {
      return new Defaults(cidrs(denied, "denied-cidrs"), cidrs(dns, "dns-cidrs"));
    }

    private static List<Cidr> cidrs(List<String> values, String property) {
      return values.stream()
          .map(String::strip)
          .filter(v -> !v.isEmpty())
          .map(
              v ->
                  Cidr.parse(v)
                      .orElseThrow(
                          () ->
                              new IllegalArgumentException(
                                  "kruise.e2b.network." + property + ": not a CIDR: " + v)))
          .toList();
    }
  }

  static final String DNS_LABEL = "k8s-app";
  static final String DNS_VALUE = "kube-dns";

  private EgressPolicyPlanner() {}

  /**
   * @param sandboxId the value of the pod label {@link MetadataKeys#LABEL_EGRESS_POLICY} the policy
   *     selects
   * @throws InvalidNetworkRules naming the field for rules a NetworkPolicy cannot enforce
   */
  public static NetworkPolicySpec plan(NetworkRules rules, String sandboxId, Defaults defaults) {
    List<EgressRule> allow = rules.allowRules();
    List<EgressRule> deny = rules.denyRules();
    List<NetworkPolicyEgressRule> egress = new ArrayList<>();
    egress.add(dns(defaults));
    boolean allV4Denied = deny.stream().anyMatch(r -> r.cidr().equals(Cidr.ALL_V4));
    boolean allV6Denied = allV4Denied || deny.stream().anyMatch(r -> r.cidr().equals(Cidr.ALL_V6));
    List<NetworkPolicyPeer> open = new ArrayList<>();
    if (!allV4Denied) {
      open.add(block(Cidr.ALL_V4, deny, defaults));
    }
    if (!allV6Denied) {
      open.add(block(Cidr.ALL_V6, deny, defaults));
    }
    if (!open.isEmpty()) {
      egress.add(rule(open, List.of()));
    }
    for (EgressRule a : allow) {
      for (Cidr denied : defaults.deniedCidrs()) {
        if (denied.contains(a.cidr())) {
          throw new InvalidNetworkRules(
              "allowOut: "
                  + a.cidr()
                  + " lies in "
                  + denied
                  + ", which this installation never lets sandboxes reach");
        }
      }
      egress.add(rule(List.of(block(a.cidr(), List.of(), defaults)), ports(a)));
    }
    return new NetworkPolicySpecBuilder()
        .withPodSelector(
            new LabelSelectorBuilder()
                .withMatchLabels(Map.of(MetadataKeys.LABEL_EGRESS_POLICY, sandboxId))
                .build())
        .withPolicyTypes("Egress")
        .withEgress(egress)
        .build();
  }

  private static NetworkPolicyEgressRule dns(Defaults defaults) {
    List<NetworkPolicyPeer> to = new ArrayList<>();
    LabelSelector anyNamespace = new LabelSelector();
    to.add(
        new NetworkPolicyPeerBuilder()
            .withNamespaceSelector(anyNamespace)
            .withNewPodSelector()
            .withMatchLabels(Map.of(DNS_LABEL, DNS_VALUE))
            .endPodSelector()
            .build());
    defaults
        .dnsCidrs()
        .forEach(c -> to.add(block(c, List.of(), new Defaults(List.of(), List.of()))));
    List<NetworkPolicyPort> ports = List.of(port("UDP", 53, 53), port("TCP", 53, 53));
    return rule(to, ports);
  }

  /** {@code cidr} minus the denied blocks (request's and configured) strictly inside it. */
  private static NetworkPolicyPeer block(Cidr cidr, List<EgressRule> deny, Defaults defaults) {
    Set<Cidr> candidates = new LinkedHashSet<>();
    deny.forEach(r -> candidates.add(r.cidr()));
    candidates.addAll(defaults.deniedCidrs());
    List<Cidr> inside =
        candidates.stream().filter(c -> cidr.contains(c) && !c.equals(cidr)).toList();
    // Keep the outermost blocks only: an except nested in another adds nothing.
    List<String> except =
        inside.stream()
            .filter(c -> inside.stream().noneMatch(o -> !o.equals(c) && o.contains(c)))
            .map(Cidr::toString)
            .sorted()
            .toList();
    IPBlock ipBlock = new IPBlock(cidr.toString(), except.isEmpty() ? null : except);
    return new NetworkPolicyPeerBuilder().withIpBlock(ipBlock).build();
  }

  private static List<NetworkPolicyPort> ports(EgressRule r) {
    if (r.allPorts()) {
      return List.of();
    }
    // E2B's port rules are not per protocol.
    return List.of(
        port("TCP", r.portStart(), r.portEnd()), port("UDP", r.portStart(), r.portEnd()));
  }

  private static NetworkPolicyPort port(String protocol, int start, int end) {
    NetworkPolicyPort p = new NetworkPolicyPort();
    p.setProtocol(protocol);
    p.setPort(new IntOrString(start));
    if (end != start) {
      p.setEndPort(end);
    }
    return p;
  }

  private static NetworkPolicyEgressRule rule(
      List<NetworkPolicyPeer> to, List<NetworkPolicyPort> ports) {
    NetworkPolicyEgressRule rule = new NetworkPolicyEgressRule();
    rule.setTo(to);
    if (!ports.isEmpty()) {
      rule.setPorts(ports);
    }
    return rule;
  }
}
