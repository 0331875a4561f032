package io.openkruise.agents.manager.cache;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.openkruise.agents.api.MetadataKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
    List<Optional<String>> scopes =
        namespaces
            .map(l -> l.stream().map(Optional::of).toList())
            .orElse(List.of(Optional.empty()));
    for (Optional<String> ns : scopes) {
      var pods =
          ns.isPresent() ? client.pods().inNamespace(ns.get()) : client.pods().inAnyNamespace();
      informers.add(
          pods.withLabel(SELECTOR, MetadataKeys.CREATED_BY_SANDBOX).runnableInformer(600_000));
    }
    CompletableFuture<?>[] started =
        informers.stream()
            .map(i -> i.start().toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(started).get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("pod informer did not sync within " + syncTimeout, e);
    }
  }

  /** The cached pod of this name. */
  public Optional<Pod> cached(String namespace, String name) {
    for (SharedIndexInformer<Pod> i : informers) {
      Pod p = i.getStore().getByKey(namespace + "/" + name);
      if (p != null) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
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
