package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * Claims sandboxes from a pool with one optimistic-lock merge patch per attempt. Thread-safe; one
 * instance per process, so threads of that process never race for the same candidate (the API
 * server settles races between processes).
 */
public final class SandboxClaimer {

  private final KubernetesClient client;
  private final Clock clock;
  private final RandomGenerator random;

  /** Candidates some thread of this process is claiming right now ({@code ns/name}). */
  private final Set<String> picked = ConcurrentHashMap.newKeySet();

  /**
   * Cached versions known to be stale after a 409 ({@code ns/name → resourceVersion}), skipped
   * until the cache shows a newer one.
   */
  private final Map<String, String> staleVersions = new ConcurrentHashMap<>();

  public SandboxClaimer(KubernetesClient client, Clock clock, RandomGenerator random) {
    this.client = client;
    this.clock = clock;
    this.random = random;
  }

  /** Outcome of one pass over the pool. */
  public sealed interface Result {
    /** The sandbox as the API server stored it after the claim. */
    record Claimed(Sandbox sandbox, int conflicts) implements Result {}

    /** Nothing claimable right now; {@code conflicts} candidates were lost to other claimers. */
    record NoneAvailable(int candidates, int conflicts) implements Result {}
  }

  /**
   * One pass: tries claimable sandboxes of {@code pool} in {@link CandidateOrder} until one claim
   * succeeds. Never blocks waiting for the pool; the caller decides how long to retry.
   *
   * @param pool cached sandboxes of the template, already limited to the allowed namespaces
   */
  public Result claimOne(Collection<Sandbox> pool, ClaimRequest request) {
    List<Sandbox> claimable =
        pool.stream().filter(s -> SandboxState.isClaimable(s, clock.instant())).toList();
    forgetRefreshed(claimable);
    List<Sandbox> ordered =
        CandidateOrder.of(claimable, random, CandidateOrder.DEFAULT_MAX_CANDIDATES);
    int conflicts = 0;
    for (Sandbox candidate : ordered) {
      String key = key(candidate);
      if (candidate.getMetadata().getResourceVersion().equals(staleVersions.get(key))
          || !picked.add(key)) {
        continue;
      }
      try {
        Optional<Sandbox> claimed = tryClaim(candidate, request);
        if (claimed.isPresent()) {
          return new Result.Claimed(claimed.get(), conflicts);
        }
        conflicts++;
        staleVersions.put(key, candidate.getMetadata().getResourceVersion());
      } finally {
        picked.remove(key);
      }
    }
    return new Result.NoneAvailable(ordered.size(), conflicts);
  }

  /**
   * One claim attempt on one candidate.
   *
   * @return the claimed sandbox, or empty when another writer won (409) or it is gone (404)
   * @throws KubernetesClientException for any other API error
   */
  public Optional<Sandbox> tryClaim(Sandbox candidate, ClaimRequest request) {
    Map<String, Object> patch =
        ClaimPatch.build(candidate, request, UUID.randomUUID().toString(), clock.instant());
    return VersionedPatch.apply(client, candidate, patch);
  }

  private void forgetRefreshed(List<Sandbox> claimable) {
    if (staleVersions.isEmpty()) {
      return;
    }
    Map<String, String> current = new ConcurrentHashMap<>();
    claimable.forEach(s -> current.put(key(s), s.getMetadata().getResourceVersion()));
    staleVersions.entrySet().removeIf(e -> !e.getValue().equals(current.get(e.getKey())));
  }

  private static String key(Sandbox sandbox) {
    return sandbox.getMetadata().getNamespace() + "/" + sandbox.getMetadata().getName();
  }
}
