package io.openkruise.agents.localcluster.realnode;

import io.openkruise.agents.localcluster.kube.LocalKubernetes;

/** What the pieces that start the node's add-ons (Services, DNS, NetworkPolicy) share. */
record NodeContext(
    LocalKubernetes cluster,
    NodePlan plan,
    NodeBinaries bins,
    NodeDaemons daemons,
    NodeConfigs configs) {}
