package io.openkruise.agents.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class RecorderTest {

  @Test
  void aRepeatedSandboxIdIsADoubleAllocationAndWarmUpIsNotMeasured() {
    Recorder r = new Recorder(0);
    for (int i = 0; i < 4; i++) {
      r.sent();
    }
    r.create(new E2bRest.Answer(201, "a", null), 0, 1_000_000, false);
    r.create(new E2bRest.Answer(201, "b", null), 0, 2_000_000, true);
    r.create(new E2bRest.Answer(201, "a", null), 0, 3_000_000, true);
    r.create(new E2bRest.Answer(0, null, "timeout"), 0, 4_000_000, true);

    Recorder.Counts c = r.counts();
    assertThat(c.sent()).isEqualTo(4);
    assertThat(c.answered()).isEqualTo(3);
    assertThat(c.ok()).isEqualTo(3);
    assertThat(c.warmup()).isEqualTo(1);
    assertThat(c.duplicates()).isEqualTo(1);
    assertThat(r.latency().getTotalCount()).as("warm-up excluded").isEqualTo(3);
    assertThat(SmokeCheck.problems(c))
        .anyMatch(p -> p.contains("no answer"))
        .anyMatch(p -> p.contains("handed out twice"));
  }

  @Test
  void aCleanRunHasNoProblems() {
    Recorder r = new Recorder(0);
    r.sent();
    r.create(new E2bRest.Answer(201, "a", null), 0, 1, true);
    assertThat(SmokeCheck.problems(r.counts())).isEmpty();
  }

  @Test
  void readsTheSandboxIdOfACreateAnswer() {
    assertThat(E2bRest.sandboxId("{\"sandboxID\":\"x1\",\"templateID\":\"t\"}")).isEqualTo("x1");
    assertThat(E2bRest.sandboxId("not json")).isNull();
  }
}
