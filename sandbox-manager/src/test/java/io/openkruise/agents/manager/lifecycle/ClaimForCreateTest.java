package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.ClaimRequest;
import io.openkruise.agents.manager.e2b.CreateRequest;
import io.openkruise.agents.manager.keys.Caller;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ClaimForCreateTest {

  static final Instant STARTED = Instant.parse("2026-12-02T10:00:00Z");
  static final Caller ALICE = new Caller("key-alice", "alice", false);
  static final EnvVarSeal SEAL = EnvVarSeal.fromSandboxKey("test-only-sandbox-key-0000000000");
  static final ClaimForCreate CLAIM = new ClaimForCreate(SEAL, Duration.ofDays(1));

  static CreateRequest request(String body) throws Exception {
    return CreateRequest.parse(
        new ObjectMapper().readTree(body),
        true,
        new CreateRequest.Limits(
            Duration.ofSeconds(300), Duration.ofHours(24), Duration.ofMinutes(5)));
  }

  @Test
  void aPlainCreateOwnsTheSandboxAndEndsAfterItsTimeout() throws Exception {
    ClaimRequest claim =
        CLAIM.of(ALICE, request("{\"templateID\":\"t\",\"timeout\":60}"), STARTED, false);

    assertThat(claim.owner()).isEqualTo("key-alice");
    assertThat(claim.shutdownTime()).contains("2026-12-02T10:01:00Z");
    assertThat(claim.pauseTime()).isEmpty();
    assertThat(claim.annotations())
        .containsEntry(MetadataKeys.ANNOTATION_SECURE, "true")
        .doesNotContainKey(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED)
        .doesNotContainKey(MetadataKeys.ANNOTATION_RUNTIME_ENV_VARS);
  }

  @Test
  void anExpectedInitIsMarkedUnfinishedAndEnvVarsAreSealedForTheOwnerOnly() throws Exception {
    ClaimRequest claim =
        CLAIM.of(
            ALICE,
            request("{\"templateID\":\"t\",\"envVars\":{\"A\":\"1\"},\"metadata\":{\"m\":\"v\"}}"),
            STARTED,
            true);

    Map<String, String> annotations = claim.annotations();
    assertThat(annotations)
        .containsEntry(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "false")
        .containsEntry("m", "v");
    String sealed = annotations.get(MetadataKeys.ANNOTATION_RUNTIME_ENV_VARS);
    assertThat(sealed).doesNotContain("\"A\"");
    assertThat(SEAL.open("key-alice", sealed)).contains(Map.of("A", "1"));
    assertThat(SEAL.open("key-bob", sealed)).isEmpty();
  }

  @Test
  void autoPauseSetsAPauseTimeInsteadOfNothing() throws Exception {
    ClaimRequest claim =
        CLAIM.of(
            ALICE,
            request("{\"templateID\":\"t\",\"timeout\":60,\"autoPause\":true}"),
            STARTED,
            false);

    assertThat(claim.pauseTime()).contains("2026-12-02T10:01:00Z");
    assertThat(claim.shutdownTime())
        .as("kept paused for the retention")
        .contains("2026-12-03T10:01:00Z");
  }
}
