package io.openkruise.agents.api.claim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class CandidateOrderTest {

  @Test
  void roundRobinFromRandomStartVisitsEachOnce() {
    List<Integer> pool = IntStream.range(0, 10).boxed().toList();
    List<Integer> ordered = CandidateOrder.of(pool, new Random(7), 100);
    assertThat(ordered).hasSize(10).containsExactlyInAnyOrderElementsOf(pool);
    int start = ordered.get(0);
    for (int i = 0; i < ordered.size(); i++) {
      assertThat(ordered.get(i)).isEqualTo((start + i) % 10);
    }
  }

  @Test
  void startsDifferForDifferentClaimers() {
    List<Integer> pool = IntStream.range(0, 50).boxed().toList();
    Random random = new Random(1);
    long distinctStarts =
        IntStream.range(0, 20)
            .map(i -> CandidateOrder.of(pool, random, 100).get(0))
            .distinct()
            .count();
    assertThat(distinctStarts).isGreaterThan(5);
  }

  @Test
  void capsAndEmpty() {
    List<Integer> pool = IntStream.range(0, 500).boxed().toList();
    assertThat(CandidateOrder.of(pool, new Random(), CandidateOrder.DEFAULT_MAX_CANDIDATES))
        .hasSize(100);
    assertThat(CandidateOrder.of(List.of(), new Random(), 100)).isEmpty();
    assertThat(CandidateOrder.of(pool, new Random(), 0)).isEmpty();
  }
}
