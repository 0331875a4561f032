package io.openkruise.agents.localcluster.realnode;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/** A ClusterRole that may only get, list and watch, bound to one certificate user. */
final class ReadAccess {
  private ReadAccess() {}

  /** get, list and watch on {@code resources} of API group {@code group} ("" for core). */
  static PolicyRule read(String group, String... resources) {
    return new PolicyRuleBuilder()
        .withApiGroups(group)
        .withResources(resources)
        .withVerbs("get", "list", "watch")
        .build();
  }

  /** Creates or updates the ClusterRole {@code role} and its binding to {@code user}. */
  static void grant(KubernetesClient client, String role, String user, List<PolicyRule> rules) {
    client
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .withRules(rules)
                .build())
        .createOr(r -> r.update());
    client
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName(user)
                .endSubject()
                .build())
        .createOr(r -> r.update());
  }
}
