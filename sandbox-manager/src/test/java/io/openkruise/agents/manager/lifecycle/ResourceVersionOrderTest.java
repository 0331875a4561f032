package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ResourceVersionOrderTest {

  @Test
  void theWrittenVersionOrALaterOneCounts() {
    assertThat(CacheWaits.atLeast("42", "42")).isTrue();
    assertThat(CacheWaits.atLeast("100", "99")).isTrue();
    // An older version (e.g. a controller status write that reached the cache first) does not.
    assertThat(CacheWaits.atLeast("41", "42")).isFalse();
  }

  @Test
  void nonNumericVersionsFallBackToEquality() {
    assertThat(CacheWaits.atLeast("abc", "abc")).isTrue();
    assertThat(CacheWaits.atLeast("abd", "abc")).isFalse();
    assertThat(CacheWaits.atLeast(null, "1")).isFalse();
    assertThat(CacheWaits.atLeast("1", null)).isFalse();
  }
}
