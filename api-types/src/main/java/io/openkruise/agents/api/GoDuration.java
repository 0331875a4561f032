package io.openkruise.agents.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses Go-style durations ("30s", "1m", "1h30m", "1.5s", ".5s", "-5m") as the original's CRDs and
 * annotations use them (claim timeouts, reserve-paused-sandbox-duration). Written by hand:
 * java.time parses ISO-8601 only and no maintained library parses Go's syntax.
 */
public final class GoDuration {

  private static final Pattern PART =
      Pattern.compile("([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|ms|s|m|h)");
  private static final Map<String, Long> NANOS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "µs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private GoDuration() {}

  /** Empty for null, blank or malformed input. */
  public static Optional<Duration> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    String s = text.trim();
    boolean negative = s.startsWith("-");
    if (negative || s.startsWith("+")) {
      s = s.substring(1);
    }
    Matcher m = PART.matcher(s);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        return Optional.empty();
      }
      nanos =
          nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
      end = m.end();
    }
    // Go's own limit (int64 nanoseconds, ~292 years): beyond it the value is malformed, not
    // wrapped.
    if (end == 0 || end != s.length() || nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      return Optional.empty();
    }
    Duration d = Duration.ofNanos(nanos.longValue());
    return Optional.of(negative ? d.negated() : d);
  }

  public static Duration parseOr(String text, Duration fallback) {
    return parse(text).orElse(fallback);
  }
}
