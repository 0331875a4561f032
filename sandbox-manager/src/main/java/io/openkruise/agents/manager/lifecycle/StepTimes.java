package io.openkruise.agents.manager.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Where a create's time went, step by step, for its log line ({@code claimMs=3.1 initMs=12.0 …}):
 * the benchmark (bench/bin/run) reads these to break a create's latency down. Not thread-safe: one
 * per create.
 */
final class StepTimes {

  private final Clock clock;
  private final StringJoiner line = new StringJoiner(" ");
  private Instant last;

  StepTimes(Clock clock) {
    this.clock = clock;
    this.last = clock.instant();
  }

  /** Ends step {@code name}: the time since the previous step ended (or since creation). */
  void done(String name) {
    Instant now = clock.instant();
    long micros = Duration.between(last, now).toNanos() / 1000;
    line.add(String.format(Locale.ROOT, "%sMs=%.1f", name, micros / 1000.0));
    last = now;
  }

  @Override
  public String toString() {
    return line.toString();
  }
}
