package io.openkruise.agents.manager.e2b;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a paused sandbox is kept: {@code reserve-paused-sandbox-duration} in the newest
 * original's syntax, a positive Go duration ({@code 30m}, {@code 1h30m}, {@code 168h}; no {@code
 * d}) or {@code forever} (100 years). Written by hand: java.time parses ISO-8601 only, and no
 * maintained library parses Go's duration syntax.
 */
public final class PausedRetention {

  public static final String FOREVER = "forever";
  static final Duration FOREVER_DURATION = Duration.ofDays(36_500);

  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
  private static final Map<String, Long> NANOS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "µs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private PausedRetention() {}

  /**
   * @throws E2bException 400 naming {@code what} when the value is not a positive duration
   */
  public static Duration parse(String raw, String what) {
    String v = raw == null ? "" : raw.trim();
    if (v.equals(FOREVER)) {
      return FOREVER_DURATION;
    }
    Matcher m = PART.matcher(v);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < v.length() && m.find(at) && m.start() == at) {
      nanos =
          nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
      at = m.end();
    }
    if (v.isEmpty() || at != v.length() || nanos.signum() <= 0) {
      throw E2bException.badRequest(
          what + " must be a positive duration such as 30m, 24h or 168h, or forever: " + raw);
    }
    if (nanos.compareTo(BigDecimal.valueOf(FOREVER_DURATION.toNanos())) > 0) {
      return FOREVER_DURATION;
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /** The sandbox's own retention (annotation), else {@code fallback}. */
  public static Duration of(Sandbox s, Duration fallback) {
    Map<String, String> a = s.getMetadata().getAnnotations();
    String v = a == null ? null : a.get(MetadataKeys.ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return parse(v, MetadataKeys.ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION);
    } catch (E2bException e) {
      return fallback; // written by kubectl with a typo: keep the configured default
    }
  }
}
