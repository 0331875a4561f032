package io.openkruise.agents.manager.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Bucket, negative cache and counters, on a hand-driven clock (no sleeping). */
@io.openkruise.agents.testing.tier.UnitTier
class LiveReadGuardTest {

  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double count(String outcome) {
    return registry.get("kruise.manager.live_reads").tag("outcome", outcome).counter().count();
  }

  @Test
  void aBurstThenTheRateAndMissesAreRememberedUntilSeenOrExpired() {
    LiveReadGuard g =
        new LiveReadGuard(
            new LiveReadGuard.Settings(100, Duration.ofSeconds(30), 3, 1.0), registry, now::get);
    assertThat(g.mayRead("a")).isTrue();
    assertThat(g.mayRead("b")).isTrue();
    assertThat(g.mayRead("c")).isTrue();
    assertThat(g.mayRead("d")).isFalse();
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(g.mayRead("d")).isTrue();
    assertThat(count("allowed")).isEqualTo(4);
    assertThat(count("refused")).isEqualTo(1);

    now.addAndGet(Duration.ofSeconds(10).toNanos());
    g.missed("x");
    assertThat(g.mayRead("x")).isFalse();
    assertThat(count("negative_cached")).isEqualTo(1);
    g.seen("x");
    assertThat(g.mayRead("x")).isTrue();
    g.missed("y");
    now.addAndGet(Duration.ofSeconds(31).toNanos());
    assertThat(g.mayRead("y")).isTrue();
  }

  @Test
  void theNegativeCacheIsBounded() {
    LiveReadGuard g =
        new LiveReadGuard(
            new LiveReadGuard.Settings(10, Duration.ofMinutes(5), 1000, 0), registry, now::get);
    for (int i = 0; i < 1000; i++) {
      g.missed("id" + i);
    }
    int remembered = 0;
    for (int i = 0; i < 1000; i++) {
      if (!g.mayRead("id" + i)) {
        remembered++;
      }
    }
    assertThat(remembered).isLessThanOrEqualTo(10 + 1);
  }

  @Test
  void failuresPerClientEndIn429UntilRefilled() {
    FailedAuthLimiter l =
        new FailedAuthLimiter(new FailedAuthLimiter.Settings(2, 1.0, 100), registry, now::get);
    assertThat(l.blocked("1.2.3.4")).isFalse();
    l.failed("1.2.3.4");
    l.failed("1.2.3.4");
    assertThat(l.blocked("1.2.3.4")).isTrue();
    assertThat(l.blocked("5.6.7.8")).isFalse();
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(l.blocked("1.2.3.4")).isFalse();
  }
}
