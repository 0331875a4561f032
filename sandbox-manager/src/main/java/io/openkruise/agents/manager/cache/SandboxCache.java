package io.openkruise.agents.manager.cache;

import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxIds;
import io.openkruise.agents.api.claim.SandboxOwners;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.guard.LiveReadGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * The manager's only state: shared informers on Sandboxes and SandboxSets of the served namespaces,
 * with indexes by pool template, by claimed sandbox ID (label {@code agents.kruise.io/sandbox-id}),
 * by envd access token and by owner. Sandboxes are watched only when they carry our template label,
 * which bounds memory.
 */
public final class SandboxCache implements AutoCloseable {

  static final String BY_POOL = "pool";
  static final String BY_ID = "id";
  static final String BY_OWNER = "owner";
  static final String BY_NAME = "name";
  static final String BY_ACCESS_TOKEN = "access-token";

  private final KubernetesClient client;
  private final Optional<List<String>> namespaces;
  private final SandboxTokens tokens;
  private final LiveReadGuard liveReads;
  private final List<SharedIndexInformer<Sandbox>> sandboxInformers = new ArrayList<>();
  private final List<SharedIndexInformer<SandboxSet>> setInformers = new ArrayList<>();
  private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();
  private final List<BiConsumer<Sandbox, Boolean>> sandboxListeners = new CopyOnWriteArrayList<>();

  private record Waiter(Predicate<Sandbox> condition, CompletableFuture<Sandbox> future) {}

  /**
   * @param namespaces served namespaces; empty = all
   */
  public SandboxCache(
      KubernetesClient client,
      Optional<List<String>> namespaces,
      SandboxTokens tokens,
      LiveReadGuard liveReads) {
    this.client = client;
    this.namespaces = namespaces.filter(l -> !l.isEmpty());
    this.tokens = tokens;
    this.liveReads = liveReads;
  }

  public void start(Duration syncTimeout) {
    for (Optional<String> ns : scopes()) {
      FilterWatchListDeletable<Sandbox, KubernetesResourceList<Sandbox>, Resource<Sandbox>>
          sandboxes =
              ns.isPresent() ? sandboxes().inNamespace(ns.get()) : sandboxes().inAnyNamespace();
      SharedIndexInformer<Sandbox> si =
          sandboxes.withLabel(MetadataKeys.LABEL_SANDBOX_TEMPLATE).runnableInformer(600_000);
      si.addIndexers(
          Map.of(
              BY_POOL, SandboxCache::poolKeys,
              BY_ID, SandboxCache::idKeys,
              BY_OWNER, SandboxCache::ownerKeys,
              BY_ACCESS_TOKEN, this::accessTokenKeys));
      si.addEventHandler(
          new ResourceEventHandler<>() {
            @Override
            public void onAdd(Sandbox s) {
              forgetMiss(s);
              notifyWaiters(s, false);
            }

            @Override
            public void onUpdate(Sandbox old, Sandbox s) {
              forgetMiss(s);
              notifyWaiters(s, false);
              changed(s, false);
            }

            @Override
            public void onDelete(Sandbox s, boolean unknown) {
              notifyWaiters(s, true);
              changed(s, true);
            }
          });
      sandboxInformers.add(si);

      FilterWatchListDeletable<SandboxSet, KubernetesResourceList<SandboxSet>, Resource<SandboxSet>>
          sets =
              ns.isPresent()
                  ? client.resources(SandboxSet.class).inNamespace(ns.get())
                  : client.resources(SandboxSet.class).inAnyNamespace();
      SharedIndexInformer<SandboxSet> ssi = sets.runnableInformer(600_000);
      ssi.addIndexers(Map.of(BY_NAME, s -> List.of(s.getMetadata().getName())));
      setInformers.add(ssi);
    }
    List<SharedIndexInformer<?>> all = new ArrayList<>(sandboxInformers);
    all.addAll(setInformers);
    Informers.startAll(all, syncTimeout, "informers");
  }

  @Override
  public void close() {
    sandboxInformers.forEach(SharedIndexInformer::close);
    setInformers.forEach(SharedIndexInformer::close);
  }

  private List<Optional<String>> scopes() {
    return Informers.scopes(namespaces);
  }

  private MixedOperation<
          Sandbox,
          io.fabric8.kubernetes.api.model.KubernetesResourceList<Sandbox>,
          Resource<Sandbox>>
      sandboxes() {
    return client.resources(Sandbox.class);
  }

  public boolean serves(String namespace) {
    return namespaces.map(l -> l.contains(namespace)).orElse(true);
  }

  // ---- indexes ----

  /** Pool members (creating or available) under their template name. */
  static List<String> poolKeys(Sandbox s) {
    if (SandboxState.poolOwner(s).isEmpty()) {
      return List.of();
    }
    String t = SandboxView.templateId(s);
    return t.isEmpty() ? List.of() : List.of(t);
  }

  /** Claimed sandboxes under their E2B ID; an unclaimed pool member has none, so no route. */
  static List<String> idKeys(Sandbox s) {
    Map<String, String> labels = s.getMetadata().getLabels();
    if (labels == null || !"true".equals(labels.get(MetadataKeys.LABEL_SANDBOX_CLAIMED))) {
      return List.of();
    }
    String id = SandboxView.id(s);
    return id.isEmpty() ? List.of() : List.of(id);
  }

  static List<String> ownerKeys(Sandbox s) {
    return SandboxOwners.owner(s).map(List::of).orElse(List.of());
  }

  /**
   * Claimed secure sandboxes under their (derived) envd access token: a pool member's token is
   * never handed out, so never routable.
   */
  private List<String> accessTokenKeys(Sandbox s) {
    if (idKeys(s).isEmpty() || s.getMetadata().getUid() == null) {
      return List.of();
    }
    String token = tokens.envdAccessToken(s);
    return token.isEmpty() ? List.of() : List.of(token);
  }

  private void forgetMiss(Sandbox s) {
    String id = SandboxView.id(s);
    if (!id.isEmpty()) {
      liveReads.seen(id);
    }
  }

  // ---- reads ----

  /** Pool members of a template in every served namespace. */
  public List<Sandbox> pool(String template) {
    return union(sandboxInformers, BY_POOL, template);
  }

  public List<Sandbox> ownedBy(String owner) {
    return union(sandboxInformers, BY_OWNER, owner);
  }

  public List<SandboxSet> setsNamed(String name) {
    return union(setInformers, BY_NAME, name);
  }

  public List<SandboxSet> allSets() {
    List<SandboxSet> out = new ArrayList<>();
    setInformers.forEach(i -> out.addAll(i.getStore().list()));
    return out;
  }

  /**
   * Calls {@code listener} with every updated ({@code false}) or deleted ({@code true}) sandbox.
   */
  public void onSandboxChange(BiConsumer<Sandbox, Boolean> listener) {
    sandboxListeners.add(listener);
  }

  private void changed(Sandbox s, boolean deleted) {
    for (BiConsumer<Sandbox, Boolean> l : sandboxListeners) {
      try {
        l.accept(s, deleted);
      } catch (RuntimeException e) {
        Logger.getLogger(SandboxCache.class).warnf("sandbox listener failed: %s", e.toString());
      }
    }
  }

  /** A cached sandbox by namespace and name. */
  public Optional<Sandbox> cached(String namespace, String name) {
    return Informers.cached(sandboxInformers, namespace, name);
  }

  /** A claimed sandbox by E2B ID from the cache only (no I/O: safe on an event loop). */
  public Optional<Sandbox> claimedCached(String id) {
    if (!SandboxIds.wellFormed(id)) {
      return Optional.empty();
    }
    List<Sandbox> hit = union(sandboxInformers, BY_ID, id);
    return hit.isEmpty() ? Optional.empty() : Optional.of(hit.get(0));
  }

  /**
   * The ID of the claimed sandbox whose envd access token is {@code token}, from the cache only.
   * For old SDKs that call envd on the shared host without any routing information.
   */
  public Optional<String> sandboxIdByAccessToken(String token) {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    List<Sandbox> hit = union(sandboxInformers, BY_ACCESS_TOKEN, token);
    return hit.size() == 1 ? Optional.of(SandboxView.id(hit.get(0))) : Optional.empty();
  }

  /**
   * A claimed sandbox by E2B ID: the informer index first, then (guarded by {@link LiveReadGuard})
   * one live read by label, so a sandbox claimed through another replica a moment ago is found
   * before this replica's informer has seen it. Blocking on a miss: never call on an event loop.
   */
  public Optional<Sandbox> claimed(String id) {
    Optional<Sandbox> cached = claimedCached(id);
    if (cached.isPresent() || !SandboxIds.wellFormed(id) || !liveReads.mayRead(id)) {
      return cached;
    }
    List<Sandbox> found = new ArrayList<>();
    try {
      for (Optional<String> ns : scopes()) {
        var in = ns.isPresent() ? sandboxes().inNamespace(ns.get()) : sandboxes().inAnyNamespace();
        found.addAll(in.withLabel(MetadataKeys.LABEL_SANDBOX_ID, id).list().getItems());
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 403) {
        throw e;
      }
    }
    Optional<Sandbox> live = found.stream().filter(s -> !idKeys(s).isEmpty()).findFirst();
    if (live.isEmpty()) {
      liveReads.missed(id);
      // The informer may have delivered the sandbox while we read: never keep a stale miss.
      if (claimedCached(id).isPresent()) {
        liveReads.seen(id);
        return claimedCached(id);
      }
    }
    return live;
  }

  private static <T> List<T> union(
      Collection<SharedIndexInformer<T>> informers, String index, String key) {
    if (informers.size() == 1) {
      return informers.iterator().next().getIndexer().byIndex(index, key);
    }
    List<T> out = new ArrayList<>();
    informers.forEach(i -> out.addAll(i.getIndexer().byIndex(index, key)));
    return out;
  }

  // ---- waiting ----

  /**
   * Completes with the sandbox once the cache shows it satisfying {@code condition}; completes
   * exceptionally with {@link SandboxGoneException} when it is deleted. Driven by informer events,
   * so waiting costs no CPU; the caller bounds the wait and must {@link #cancel} on timeout.
   */
  public CompletableFuture<Sandbox> await(
      String namespace, String name, Predicate<Sandbox> condition) {
    String key = namespace + "/" + name;
    Waiter w = new Waiter(condition, new CompletableFuture<>());
    waiters.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(w);
    w.future.whenComplete((s, e) -> remove(key, w));
    cached(namespace, name)
        .ifPresent(
            s -> {
              if (condition.test(s)) {
                w.future.complete(s);
              }
            });
    return w.future;
  }

  /** Waits registered and not yet completed or cancelled (a gauge for back-pressure tests). */
  public int pendingWaits() {
    return waiters.values().stream().mapToInt(List::size).sum();
  }

  private void remove(String key, Waiter w) {
    waiters.computeIfPresent(
        key,
        (k, list) -> {
          list.remove(w);
          return list.isEmpty() ? null : list;
        });
  }

  private void notifyWaiters(Sandbox s, boolean deleted) {
    List<Waiter> list =
        waiters.get(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName());
    if (list == null) {
      return;
    }
    for (Waiter w : list) {
      if (deleted) {
        w.future.completeExceptionally(new SandboxGoneException(SandboxView.id(s)));
      } else {
        try {
          if (w.condition.test(s)) {
            w.future.complete(s);
          }
        } catch (RuntimeException e) {
          w.future.completeExceptionally(e);
        }
      }
    }
  }

  /** The sandbox a caller waited for was deleted. */
  public static final class SandboxGoneException extends RuntimeException {
    public SandboxGoneException(String id) {
      super("sandbox " + id + " was deleted");
    }
  }
}
