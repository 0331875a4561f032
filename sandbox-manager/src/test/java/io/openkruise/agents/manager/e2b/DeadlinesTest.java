package io.openkruise.agents.manager.e2b;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class DeadlinesTest {

  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration RETENTION = Duration.ofDays(30);

  @Test
  void autoPauseKeepsThePausedSandboxForTheRetention() {
    Deadlines d = Deadlines.running(NOW, Duration.ofSeconds(60), true, RETENTION);
    assertThat(d.pauseTime()).isEqualTo(NOW.plusSeconds(60));
    assertThat(d.shutdownTime()).isEqualTo(NOW.plusSeconds(60).plus(RETENTION));
    assertThat(d.endAt()).isEqualTo(NOW.plusSeconds(60));
    Deadlines kill = Deadlines.running(NOW, Duration.ofSeconds(60), false, RETENTION);
    assertThat(kill.pauseTime()).isNull();
    assertThat(kill.endAt()).isEqualTo(NOW.plusSeconds(60));
  }

  @Test
  void connectOnlyExtends() {
    Deadlines current = Deadlines.running(NOW, Duration.ofSeconds(600), false, RETENTION);
    assertThat(Deadlines.extend(current, NOW.plusSeconds(10), Duration.ofSeconds(60), RETENTION))
        .isEmpty();
    assertThat(Deadlines.extend(current, NOW.plusSeconds(10), Duration.ofSeconds(900), RETENTION))
        .get()
        .extracting(Deadlines::shutdownTime)
        .isEqualTo(NOW.plusSeconds(910));
    Deadlines auto = Deadlines.running(NOW, Duration.ofSeconds(60), true, RETENTION);
    assertThat(Deadlines.extend(auto, NOW, Duration.ofSeconds(120), RETENTION).get().autoPause())
        .isTrue();
  }

  @Test
  void pauseKeepsTheModeAndTheRetention() {
    Deadlines auto = Deadlines.running(NOW, Duration.ofSeconds(60), true, RETENTION);
    Deadlines paused = Deadlines.paused(NOW.plusSeconds(5), RETENTION, auto);
    assertThat(paused.autoPause()).isTrue();
    assertThat(paused.shutdownTime()).isEqualTo(NOW.plusSeconds(5).plus(RETENTION));
  }

  @Test
  void formatKeepsMillisecondsAndRoundsUp() {
    // A deadline 300 ms into a second must not be written as the next whole second.
    assertThat(Timeouts.format(NOW.plusMillis(300))).isEqualTo("2026-01-01T00:00:00.300Z");
    assertThat(Timeouts.format(NOW.plusNanos(1))).isEqualTo("2026-01-01T00:00:00.001Z");
    assertThat(Timeouts.format(NOW)).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(Timeouts.describe(Duration.ofHours(24))).isEqualTo("24 hours");
  }
}
