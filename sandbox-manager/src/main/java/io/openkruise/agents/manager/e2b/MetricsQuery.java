package io.openkruise.agents.manager.e2b;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The query parameters of E2B's metrics routes, validated (a bad one is a 400). Pure.
 *
 * <ul>
 *   <li>{@code GET /sandboxes/{id}/metrics?start=&end=}: epoch seconds, both optional, {@code start
 *       <= end}; start defaults to the sandbox's start, end to now.
 *   <li>{@code GET /sandboxes/metrics?sandbox_ids=a,b}: required, comma separated (or repeated), at
 *       most {@link #MAX_IDS}, as in E2B's API.
 * </ul>
 */
public final class MetricsQuery {
  public static final int MAX_IDS = 100;

  /**
   * Values from here on are milliseconds (year 5138 in seconds): e2b (Python) 2.8 sends
   * milliseconds, newer SDKs send seconds as the API says.
   */
  static final long MILLIS_FROM = 100_000_000_000L;

  private MetricsQuery() {}

  /** An inclusive range in epoch seconds; either end may be open. */
  public record Range(Optional<Long> start, Optional<Long> end) {

    /** The range to read: open ends filled with the sandbox's start and now, never before start. */
    public Range resolve(Instant sandboxStart, Instant now) {
      long from =
          Math.max(start.orElse(sandboxStart.getEpochSecond()), sandboxStart.getEpochSecond());
      long to = end.orElse(now.getEpochSecond());
      return new Range(Optional.of(from), Optional.of(to));
    }
  }

  public static Range range(String start, String end) {
    Optional<Long> s = seconds("start", start);
    Optional<Long> e = seconds("end", end);
    if (s.isPresent() && e.isPresent() && s.get() > e.get()) {
      throw E2bException.badRequest("start must not be after end");
    }
    return new Range(s, e);
  }

  private static Optional<Long> seconds(String name, String v) {
    if (v == null || v.isEmpty()) {
      return Optional.empty();
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Optional.of(n >= MILLIS_FROM ? n / 1000 : n);
    } catch (NumberFormatException e) {
      throw E2bException.badRequest(name + " must be a Unix timestamp in seconds, got '" + v + "'");
    }
  }

  /** The distinct sandbox IDs of {@code sandbox_ids} (each value may hold a comma list). */
  public static List<String> sandboxIds(List<String> values) {
    Set<String> ids = new LinkedHashSet<>();
    if (values != null) {
      for (String v : values) {
        for (String part : v.split(",")) {
          if (!part.isBlank()) {
            ids.add(part.trim());
          }
        }
      }
    }
    if (ids.isEmpty()) {
      throw E2bException.badRequest("sandbox_ids is required");
    }
    if (ids.size() > MAX_IDS) {
      throw E2bException.badRequest("sandbox_ids takes at most " + MAX_IDS + " IDs");
    }
    return new ArrayList<>(ids);
  }
}
