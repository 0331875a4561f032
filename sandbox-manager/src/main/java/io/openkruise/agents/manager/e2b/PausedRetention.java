package io.openkruise.agents.manager.e2b;

import io.openkruise.agents.api.GoDuration;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.time.Duration;
import java.util.Map;

/**
 * How long a paused sandbox is kept: {@code reserve-paused-sandbox-duration} in the newest
 * original's syntax, a positive Go duration ({@code 30m}, {@code 1h30m}, {@code 168h}; no {@code
 * d}) or {@code forever} (100 years).
 */
public final class PausedRetention {

  public static final String FOREVER = "forever";
  static final Duration FOREVER_DURATION = Duration.ofDays(36_500);

  private PausedRetention() {}

  /**
   * @throws E2bException 400 naming {@code what} when the value is not a positive duration
   */
  public static Duration parse(String raw, String what) {
    String v = raw == null ? "" : raw.trim();
    if (v.equals(FOREVER)) {
      return FOREVER_DURATION;
    }
    Duration d = GoDuration.parse(v).filter(x -> !x.isNegative() && !x.isZero()).orElse(null);
    if (d == null) {
      throw E2bException.badRequest(
          what + " must be a positive duration such as 30m, 24h or 168h, or forever: " + raw);
    }
    return d.compareTo(FOREVER_DURATION) > 0 ? FOREVER_DURATION : d;
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
