package io.openkruise.agents.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class GoDurationTest {

  @Test
  void parsesGoDurations() {
    assertThat(GoDuration.parse("30s")).contains(Duration.ofSeconds(30));
    assertThat(GoDuration.parse("1m")).contains(Duration.ofMinutes(1));
    assertThat(GoDuration.parse("1h30m")).contains(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("1.5s")).contains(Duration.ofMillis(1500));
    assertThat(GoDuration.parse("250ms")).contains(Duration.ofMillis(250));
    assertThat(GoDuration.parse("-5m")).contains(Duration.ofMinutes(-5));
  }

  @Test
  void rejectsAnythingElse() {
    assertThat(GoDuration.parse("60")).isEmpty();
    assertThat(GoDuration.parse("1 m")).isEmpty();
    assertThat(GoDuration.parse("m")).isEmpty();
    assertThat(GoDuration.parse("")).isEmpty();
    assertThat(GoDuration.parse(null)).isEmpty();
    assertThat(GoDuration.parseOr("bogus", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void leadingDotFractionsAndOverflow() {
    assertThat(GoDuration.parse(".5s")).contains(Duration.ofMillis(500));
    assertThat(GoDuration.parse("1.s")).contains(Duration.ofSeconds(1));
    assertThat(GoDuration.parse("3000000h")).isEmpty(); // beyond int64 nanoseconds, as in Go
    assertThat(GoDuration.parse(".s")).isEmpty();
  }
}
