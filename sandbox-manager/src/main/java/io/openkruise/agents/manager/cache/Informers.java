package io.openkruise.agents.manager.cache;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the manager's caches do alike with their informers: one informer per served namespace (or
 * one over all namespaces), started together, read by {@code namespace/name} across all of them.
 */
final class Informers {

  private Informers() {}

  /**
   * The scope of each informer: one per served namespace, or a single empty one (every namespace).
   *
   * @param namespaces served namespaces; empty = all
   */
  static List<Optional<String>> scopes(Optional<List<String>> namespaces) {
    return namespaces
        .filter(l -> !l.isEmpty())
        .map(l -> l.stream().map(Optional::of).toList())
        .orElse(List.of(Optional.empty()));
  }

  /** Starts every informer and waits until all have synced; {@code what} names them in errors. */
  static void startAll(
      List<? extends SharedIndexInformer<?>> informers, Duration syncTimeout, String what) {
    CompletableFuture<?>[] started =
        informers.stream()
            .map(i -> i.start().toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(started).get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(what + " did not sync within " + syncTimeout, e);
    }
  }

  /** The object one of the informers holds under {@code namespace/name}. */
  static <T> Optional<T> cached(
      List<SharedIndexInformer<T>> informers, String namespace, String name) {
    String key = namespace + "/" + name;
    for (SharedIndexInformer<T> i : informers) {
      T found = i.getStore().getByKey(key);
      if (found != null) {
        return Optional.of(found);
      }
    }
    return Optional.empty();
  }
}
