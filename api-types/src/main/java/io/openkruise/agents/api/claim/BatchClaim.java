package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Claims a batch of sandboxes for one owner, with create-on-no-stock: the path both the E2B create
 * (one at a time) and a SandboxClaim (its missing replicas) take. Claims go through {@link
 * SandboxClaimer}; when a pass finds no claimable candidate at all and creating is allowed, the
 * rest are created straight into the claimed state. A pass that only lost races (409) creates
 * nothing: there is stock, and the next pass may win it.
 */
public final class BatchClaim {

  private final KubernetesClient client;
  private final SandboxClaimer claimer;
  private final Clock clock;
  private final RandomGenerator random;

  public BatchClaim(
      KubernetesClient client, SandboxClaimer claimer, Clock clock, RandomGenerator random) {
    this.client = client;
    this.claimer = claimer;
    this.clock = clock;
    this.random = random;
  }

  /**
   * What a batch gave.
   *
   * @param conflicts candidates lost to other claimers (409) on the way
   * @param candidates claimable candidates the last unsuccessful pass saw (0 when none failed)
   */
  public record Outcome(
      List<Sandbox> claimed, List<Sandbox> created, int conflicts, int candidates) {
    public int count() {
      return claimed.size() + created.size();
    }
  }

  /**
   * Claims up to {@code count} sandboxes, reading {@code pool} again before every pass.
   *
   * @param createFrom SandboxSets to create from when the pool is empty (one picked at random);
   *     empty = no create-on-no-stock
   */
  public Outcome claim(
      Supplier<? extends Collection<Sandbox>> pool,
      ClaimRequest request,
      int count,
      List<SandboxSet> createFrom) {
    List<Sandbox> claimed = new ArrayList<>();
    int conflicts = 0;
    int candidates = 0;
    while (claimed.size() < count) {
      SandboxClaimer.Result result = claimer.claimOne(pool.get(), request);
      if (result instanceof SandboxClaimer.Result.Claimed c) {
        conflicts += c.conflicts();
        claimed.add(c.sandbox());
        continue;
      }
      SandboxClaimer.Result.NoneAvailable none = (SandboxClaimer.Result.NoneAvailable) result;
      conflicts += none.conflicts();
      candidates = none.candidates();
      break;
    }
    List<Sandbox> created = new ArrayList<>();
    if (claimed.size() < count && candidates == 0 && !createFrom.isEmpty()) {
      for (int i = claimed.size(); i < count; i++) {
        created.add(createClaimed(createFrom.get(random.nextInt(createFrom.size())), request));
      }
    }
    return new Outcome(claimed, created, conflicts, candidates);
  }

  /** Create-on-no-stock: a new sandbox written straight into the claimed state. */
  private Sandbox createClaimed(SandboxSet set, ClaimRequest request) {
    Sandbox fresh =
        PoolMembers.newClaimed(
            set, PoolMembers.revision(set), request, UUID.randomUUID().toString(), clock.instant());
    return client
        .resources(Sandbox.class)
        .inNamespace(set.getMetadata().getNamespace())
        .resource(fresh)
        .create();
  }
}
