package io.openkruise.agents.manager.e2b;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * E2B's sandbox log queries over a container log read with timestamps ({@code <RFC 3339> <line>}
 * per line): v1 ({@code start}, {@code limit}) and v2 ({@code cursor}, {@code limit}, {@code
 * direction}, {@code level}, {@code search}). Container output carries no level: every line is
 * {@code info}, so {@code level=warn|error} selects nothing.
 *
 * @param from lower bound in forward direction, upper bound backwards (inclusive); empty: none
 */
public record LogQuery(
    Optional<Instant> from, int limit, boolean backward, String search, boolean levelAboveInfo) {

  /** E2B's default and largest page. */
  public static final int MAX_LIMIT = 1000;

  /** One parsed log line. */
  public record Line(Instant timestamp, String text) {}

  public static LogQuery v1(String start, String limit) {
    return new LogQuery(millis(start, "start"), limit(limit), false, null, false);
  }

  public static LogQuery v2(
      String cursor, String limit, String direction, String level, String search) {
    boolean backward =
        switch (direction == null ? "" : direction.trim()) {
          case "", "forward" -> false;
          case "backward" -> true;
          default -> throw E2bException.badRequest("direction must be forward or backward");
        };
    boolean aboveInfo =
        switch (level == null ? "" : level.trim()) {
          case "", "debug", "info" -> false;
          case "warn", "error" -> true;
          default -> throw E2bException.badRequest("level must be debug, info, warn or error");
        };
    return new LogQuery(
        millis(cursor, "cursor"),
        limit(limit),
        backward,
        search == null || search.isEmpty() ? null : search,
        aboveInfo);
  }

  private static Optional<Instant> millis(String raw, String name) {
    if (raw == null || raw.isBlank()) {
      return Optional.empty();
    }
    try {
      long ms = Long.parseLong(raw.trim());
      if (ms < 0) {
        throw new NumberFormatException();
      }
      return Optional.of(Instant.ofEpochMilli(ms));
    } catch (NumberFormatException e) {
      throw E2bException.badRequest(name + " must be a timestamp in milliseconds");
    }
  }

  private static int limit(String raw) {
    if (raw == null || raw.isBlank()) {
      return MAX_LIMIT;
    }
    try {
      int n = Integer.parseInt(raw.trim());
      if (n < 0 || n > MAX_LIMIT) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw E2bException.badRequest("limit must be between 0 and " + MAX_LIMIT);
    }
  }

  /** Splits a log read with timestamps; a line without one keeps the previous line's time. */
  public static List<Line> parse(String log) {
    List<Line> out = new ArrayList<>();
    if (log == null || log.isEmpty()) {
      return out;
    }
    Instant last = Instant.EPOCH;
    for (String raw : log.split("\n")) {
      if (raw.isEmpty()) {
        continue;
      }
      int space = raw.indexOf(' ');
      Instant ts = null;
      if (space > 0) {
        try {
          ts = Instant.parse(raw.substring(0, space));
        } catch (DateTimeParseException e) {
          ts = null;
        }
      }
      if (ts == null) {
        out.add(new Line(last, raw));
      } else {
        last = ts;
        out.add(new Line(ts, raw.substring(space + 1)));
      }
    }
    return out;
  }

  /** The selected lines, in the query's direction, at most {@code limit}. */
  public List<Line> select(List<Line> lines) {
    if (levelAboveInfo) {
      return List.of();
    }
    Comparator<Line> order = Comparator.comparing(Line::timestamp);
    List<Line> matching =
        lines.stream()
            .filter(
                l ->
                    from.map(f -> backward ? !l.timestamp().isAfter(f) : !l.timestamp().isBefore(f))
                        .orElse(true))
            .filter(l -> search == null || l.text().contains(search))
            .sorted(backward ? order.reversed() : order)
            .toList();
    return matching.subList(0, Math.min(limit, matching.size()));
  }

  /** v1's {@code {logs: [{timestamp, line}], logEntries: [...]}}. */
  public static Map<String, Object> v1Body(List<Line> lines) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put(
        "logs",
        lines.stream()
            .map(l -> Map.of("timestamp", l.timestamp().toString(), "line", l.text()))
            .toList());
    body.put("logEntries", lines.stream().map(LogQuery::entry).toList());
    return body;
  }

  /** v2's {@code {logs: [{timestamp, level, message, fields}]}}. */
  public static Map<String, Object> v2Body(List<Line> lines) {
    return Map.of("logs", lines.stream().map(LogQuery::entry).toList());
  }

  private static Map<String, Object> entry(Line l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("timestamp", l.timestamp().toString());
    m.put("level", "info");
    m.put("message", l.text());
    m.put("fields", Map.of());
    return m;
  }
}
