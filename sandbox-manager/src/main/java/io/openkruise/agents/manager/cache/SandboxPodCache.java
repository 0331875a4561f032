package io.openkruise.agents.manager.cache;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.openkruise.agents.api.MetadataKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An informer on the sandbox pods of the served namespaces (label {@code
 * agents.kruise.io/created-by=sandbox}, the pods the Sandbox controller makes; nothing else), so
 * the proxy can check that the pod behind a sandbox's {@code status.sandboxIp} still is that
 * sandbox's pod before dialling it.
 */
public final class SandboxPodCache implements AutoCloseable {

  static final String SELECTOR = MetadataKeys.ANNOTATION_CREATED_BY;

  private final KubernetesClient client;
  private final Optional<List<String>> namespaces;
  private final List<SharedIndexInformer<Pod>> informers = new ArrayList<>();

  /**
   * @param namespaces served namespaces; empty = all
   */
  public SandboxPodCache(KubernetesClient client, Optional<List<String>> namespaces) {
    this.client = client;
    this.namespaces = namespaces.filter(l -> !l.isEmpty());
  }

  public void start(Duration syncTimeout) {
    for (Optional<String> ns : Informers.scopes(namespaces)) {
      var pods =
          ns.isPresent() ? client.pods().inNamespace(ns.get()) : client.pods().inAnyNamespace();
      informers.add(
          pods.withLabel(SELECTOR, MetadataKeys.CREATED_BY_SANDBOX).runnableInformer(600_000));
    }
    Informers.startAll(informers, syncTimeout, "pod informer");
  }

  /** The cached pod of this name. */
  public Optional<Pod> cached(String namespace, String name) {
    return Informers.cached(informers, namespace, name);
  }

  /**
   * A live read, for when the cache may lag behind the Sandbox. Blocking: never on an event loop.
   */
  public Optional<Pod> live(String namespace, String name) {
    return Optional.ofNullable(client.pods().inNamespace(namespace).withName(name).get());
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
