package io.openkruise.agents.testing;

import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;

/**
 * Pods for a real node: one container from an image imported into the node's containerd (never
 * pulled; the tests have no registry), gone at once when deleted. Callers add labels and probes
 * through the builder.
 */
public final class NodePods {

  private NodePods() {}

  /** Pod {@code namespace/name} whose container {@code container} runs {@code command}. */
  public static PodBuilder imported(
      String namespace, String name, String container, String image, List<String> command) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(0L)
        .addNewContainer()
        .withName(container)
        .withImage(image)
        .withImagePullPolicy("Never")
        .withCommand(command)
        .endContainer()
        .endSpec();
  }

  /** As {@link #imported}, run once: never restarted when its command exits. */
  public static PodBuilder runOnce(
      String namespace, String name, String container, String image, List<String> command) {
    return imported(namespace, name, container, image, command)
        .editSpec()
        .withRestartPolicy("Never")
        .endSpec();
  }
}
