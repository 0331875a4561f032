package io.openkruise.agents.manager.e2b;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ErrorBodyTest {

  @Test
  void e2bShape() {
    assertThat(ErrorBody.json(404, "sandbox \"x\" not found"))
        .isEqualTo("{\"code\":404,\"message\":\"sandbox \\\"x\\\" not found\"}");
    assertThat(ErrorBody.of(400, "bad"))
        .containsExactly(java.util.Map.entry("code", 400), java.util.Map.entry("message", "bad"));
  }

  @Test
  void theProxyNamesTheSandbox() {
    assertThat(ErrorBody.json(502, "The sandbox was not found", "abc"))
        .isEqualTo(
            "{\"code\":502,\"message\":\"The sandbox was not found\",\"sandboxId\":\"abc\"}");
  }
}
