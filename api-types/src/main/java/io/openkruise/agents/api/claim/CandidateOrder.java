package io.openkruise.agents.api.claim;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Order in which a claimer tries candidates: from a random start, round-robin, at most {@code max}.
 * Concurrent claimers (threads or replicas) therefore rarely aim at the same sandbox.
 */
public final class CandidateOrder {

  /** The original's cap: more candidates per attempt only add cache reads. */
  public static final int DEFAULT_MAX_CANDIDATES = 100;

  private CandidateOrder() {}

  public static <T> List<T> of(List<T> claimable, RandomGenerator random, int max) {
    int size = claimable.size();
    if (size == 0 || max <= 0) {
      return List.of();
    }
    int start = random.nextInt(size);
    int count = Math.min(size, max);
    List<T> ordered = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ordered.add(claimable.get((start + i) % size));
    }
    return ordered;
  }
}
