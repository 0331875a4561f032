package io.openkruise.agents.controller.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxStatus;
import io.openkruise.agents.envd.init.InitClient;
import io.openkruise.agents.testing.tier.UnitTier;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

@UnitTier
class UnfinishedClaimsTest {

  private static final Instant CLAIMED = Instant.parse("2026-12-01T10:00:00Z");
  private static final Duration BOUND = Duration.ofSeconds(60);

  /** Claimed by an E2B create that expects init, Running and Ready since before the claim. */
  private static Sandbox claimed(String initialized) {
    Sandbox s = new Sandbox();
    s.getMetadata().setName("sbx");
    s.getMetadata().setNamespace("ns");
    s.getMetadata().setLabels(new HashMap<>());
    s.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true");
    s.getMetadata().setAnnotations(new HashMap<>());
    s.getMetadata()
        .getAnnotations()
        .put(MetadataKeys.ANNOTATION_CLAIM_TIMESTAMP, CLAIMED.toString());
    if (initialized != null) {
      s.getMetadata()
          .getAnnotations()
          .put(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, initialized);
    }
    SandboxStatus status = new SandboxStatus();
    status.setPhase(SandboxPhase.RUNNING);
    status.setConditions(List.of(ready("True", CLAIMED.minusSeconds(600))));
    s.setStatus(status);
    return s;
  }

  private static io.fabric8.kubernetes.api.model.Condition ready(String value, Instant since) {
    return new ConditionBuilder()
        .withType(ConditionTypes.READY)
        .withStatus(value)
        .withLastTransitionTime(since.toString())
        .build();
  }

  @Test
  void unmarkedAfterTheBoundAsksTheRuntime() {
    var d = UnfinishedClaims.decide(claimed("false"), CLAIMED.plus(BOUND), BOUND);

    assertThat(d).isEqualTo(new UnfinishedClaims.Probe(CLAIMED, BOUND));
  }

  @Test
  void neverInitialisedIsDeletedWithAnEventSayingWhy() {
    var d =
        UnfinishedClaims.settle(
            new UnfinishedClaims.Probe(CLAIMED, BOUND), InitClient.InitState.NOT_INITIALISED);

    assertThat(d).isInstanceOf(UnfinishedClaims.Delete.class);
    var event = ((UnfinishedClaims.Delete) d).event();
    assertThat(event.type()).isEqualTo("Warning");
    assertThat(event.reason()).isEqualTo("ClaimNeverCompleted");
    assertThat(event.message()).contains("never initialised").contains("60s");
  }

  @Test
  void aRuntimeThatDoesNotAnswerIsDeletedToo() {
    var d =
        UnfinishedClaims.settle(
            new UnfinishedClaims.Probe(CLAIMED, BOUND), InitClient.InitState.UNREACHABLE);

    assertThat(d).isInstanceOf(UnfinishedClaims.Delete.class);
    assertThat(((UnfinishedClaims.Delete) d).event().message()).contains("did not answer");
  }

  /** The manager answered the client, then stopped before its mark landed: the client keeps it. */
  @Test
  void initialisedIsMarkedNotDeleted() {
    var d =
        UnfinishedClaims.settle(
            new UnfinishedClaims.Probe(CLAIMED, BOUND), InitClient.InitState.INITIALISED);

    assertThat(d).isInstanceOf(UnfinishedClaims.MarkInitialised.class);
    var event = ((UnfinishedClaims.MarkInitialised) d).event();
    assertThat(event.type()).isEqualTo("Normal");
    assertThat(event.reason()).isEqualTo("ClaimCompletedByController");
  }

  @Test
  void unmarkedBeforeTheBoundWaitsForExactlyTheDeadline() {
    var d = UnfinishedClaims.decide(claimed("false"), CLAIMED.plusSeconds(10), BOUND);

    assertThat(d).isEqualTo(new UnfinishedClaims.WaitUntil(CLAIMED.plus(BOUND)));
  }

  @Test
  void theBoundRunsFromReadyWhenTheSandboxBecameReadyAfterItsClaim() {
    Sandbox s = claimed("false");
    Instant readyAt = CLAIMED.plusSeconds(45); // created on no stock, Ready later
    s.getStatus().setConditions(List.of(ready("True", readyAt)));

    assertThat(UnfinishedClaims.decide(s, CLAIMED.plus(BOUND), BOUND))
        .isEqualTo(new UnfinishedClaims.WaitUntil(readyAt.plus(BOUND)));
  }

  @Test
  void initialisedSandboxesAreKept() {
    assertThat(UnfinishedClaims.decide(claimed("true"), CLAIMED.plusSeconds(3600), BOUND))
        .isInstanceOf(UnfinishedClaims.Keep.class);
  }

  @Test
  void sandboxesWithoutTheMarkAreKept() {
    // skip-init-runtime, templates without init, SandboxClaim claims, claims made before the mark.
    assertThat(UnfinishedClaims.decide(claimed(null), CLAIMED.plusSeconds(3600), BOUND))
        .isInstanceOf(UnfinishedClaims.Keep.class);
  }

  @Test
  void notReadyOrNotRunningIsLeftToItsManager() {
    Sandbox notReady = claimed("false");
    notReady.getStatus().setConditions(List.of(ready("False", CLAIMED)));
    Sandbox paused = claimed("false");
    paused.getStatus().setPhase(SandboxPhase.PAUSED);

    assertThat(UnfinishedClaims.decide(notReady, CLAIMED.plusSeconds(3600), BOUND))
        .isInstanceOf(UnfinishedClaims.Keep.class);
    assertThat(UnfinishedClaims.decide(paused, CLAIMED.plusSeconds(3600), BOUND))
        .isInstanceOf(UnfinishedClaims.Keep.class);
  }

  @Test
  void unclaimedDeletingOrUntimedSandboxesAreKept() {
    Sandbox pool = claimed("false");
    pool.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_CLAIMED, "false");
    Sandbox deleting = claimed("false");
    deleting.getMetadata().setDeletionTimestamp(CLAIMED.toString());
    Sandbox untimed = claimed("false");
    untimed.getMetadata().getAnnotations().remove(MetadataKeys.ANNOTATION_CLAIM_TIMESTAMP);

    for (Sandbox s : List.of(pool, deleting, untimed)) {
      assertThat(UnfinishedClaims.decide(s, CLAIMED.plusSeconds(3600), BOUND))
          .isInstanceOf(UnfinishedClaims.Keep.class);
    }
  }

  @Test
  void aZeroBoundTurnsTheReaperOff() {
    assertThat(UnfinishedClaims.decide(claimed("false"), CLAIMED.plusSeconds(3600), Duration.ZERO))
        .isInstanceOf(UnfinishedClaims.Keep.class);
  }
}
