package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResourceVersionOrderTest {

  @Test
  void theWrittenVersionOrALaterOneCounts() {
    assertThat(SandboxService.atLeast("42", "42")).isTrue();
    assertThat(SandboxService.atLeast("100", "99")).isTrue();
    // An older version (e.g. a controller status write that reached the cache first) does not.
    assertThat(SandboxService.atLeast("41", "42")).isFalse();
  }

  @Test
  void nonNumericVersionsFallBackToEquality() {
    assertThat(SandboxService.atLeast("abc", "abc")).isTrue();
    assertThat(SandboxService.atLeast("abd", "abc")).isFalse();
    assertThat(SandboxService.atLeast(null, "1")).isFalse();
    assertThat(SandboxService.atLeast("1", null)).isFalse();
  }
}
