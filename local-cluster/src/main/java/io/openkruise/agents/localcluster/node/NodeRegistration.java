package io.openkruise.agents.localcluster.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.api.MetadataKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Registers the simulated Nodes: labels, no taints, and a Ready status with room for any pod. The
 * status is written once; by default no node lifecycle controller runs, so nothing expects more.
 * Where one does, {@link NodeHeartbeat} renews the nodes' Leases.
 */
final class NodeRegistration {
  /** What every simulated node offers. */
  static final Map<String, String> CAPACITY =
      Map.of("cpu", "64", "memory", "256Gi", "pods", "1000", "ephemeral-storage", "1Ti");

  private NodeRegistration() {}

  /** Creates or updates the Nodes and returns them with their status. */
  static List<Node> register(
      KubernetesClient client, List<String> names, int kubeletPort, Instant now) {
    String version = client.getKubernetesVersion().getGitVersion();
    List<Node> nodes = new ArrayList<>();
    for (String name : names) {
      Node desired =
          new NodeBuilder()
              .withNewMetadata()
              .withName(name)
              .addToLabels("kubernetes.io/hostname", name)
              .addToLabels("kubernetes.io/os", "linux")
              .addToLabels("kubernetes.io/arch", "amd64")
              .addToLabels(MetadataKeys.LABEL_LOCAL_NODE, "true")
              .endMetadata()
              .build();
      client.nodes().resource(desired).createOr(existing -> existing.update());
      // TaintNodesByCondition adds not-ready:NoSchedule at creation; nothing else would lift it.
      client
          .nodes()
          .withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"taints\":null}}");
      String status =
          statusPatch(name, version, System.getProperty("os.version"), kubeletPort, now);
      nodes.add(
          client
              .nodes()
              .withName(name)
              .subresource("status")
              .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), status));
    }
    return nodes;
  }

  /**
   * The status subresource patch of a Ready node (pure).
   *
   * @param kubeletPort where the node serves container logs (the API server's {@code pods/log}
   *     dials it on the InternalIP); 0: nowhere
   */
  static String statusPatch(
      String name, String kubeletVersion, String kernel, int kubeletPort, Instant now) {
    String time = ApiTime.format(now);
    ObjectNode status = JsonNodeFactory.instance.objectNode();
    ObjectNode cap = status.putObject("capacity");
    ObjectNode alloc = status.putObject("allocatable");
    CAPACITY.forEach(
        (k, v) -> {
          cap.put(k, v);
          alloc.put(k, v);
        });
    ArrayNode conditions = status.putArray("conditions");
    conditions
        .addObject()
        .put("type", "Ready")
        .put("status", "True")
        .put("reason", "KubeletReady")
        .put("message", "local node simulator is ready")
        .put("lastHeartbeatTime", time)
        .put("lastTransitionTime", time);
    for (String pressure : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
      conditions
          .addObject()
          .put("type", pressure)
          .put("status", "False")
          .put("reason", "KubeletHasNo" + pressure)
          .put("lastHeartbeatTime", time)
          .put("lastTransitionTime", time);
    }
    ArrayNode addrs = status.putArray("addresses");
    addrs.addObject().put("type", "InternalIP").put("address", "127.0.0.1");
    addrs.addObject().put("type", "Hostname").put("address", name);
    if (kubeletPort > 0) {
      status.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", kubeletPort);
    }
    status
        .putObject("nodeInfo")
        .put("kubeletVersion", kubeletVersion)
        .put("containerRuntimeVersion", "local://agent-runtime")
        .put("operatingSystem", "linux")
        .put("architecture", "amd64")
        .put("osImage", "kruise-agents local node")
        .put("kernelVersion", kernel)
        .put("machineID", "")
        .put("systemUUID", "")
        .put("bootID", "")
        .put("kubeProxyVersion", "");
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.set("status", status);
    return root.toString();
  }
}
