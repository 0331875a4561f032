package io.openkruise.agents.localcluster.node;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A kubelet {@code containerLogs} query ({@code timestamps}, {@code sinceTime}, {@code
 * sinceSeconds}, {@code tailLines}, {@code limitBytes}) applied to a container's log file (pure).
 *
 * <p>The node's log files hold plain output lines; lines the node writes itself start with their
 * time ({@code <RFC 3339> <text>}). An unstamped line takes the time of the stamped line before it,
 * or the file's modification time at the start, so {@code sinceTime} and {@code timestamps} stay
 * meaningful for process output the node does not stamp.
 *
 * @param since empty: from the first line
 * @param tailLines negative: all lines
 * @param limitBytes negative: no limit
 */
record ContainerLogQuery(
    boolean timestamps, Optional<Instant> since, int tailLines, long limitBytes) {

  /** One line of a container log with its time. */
  record Line(Instant time, String text) {}

  /**
   * @param params the query parameters (first value of each)
   * @throws IllegalArgumentException naming the bad parameter
   */
  static ContainerLogQuery parse(Map<String, String> params, Instant now) {
    boolean timestamps = "true".equals(params.get("timestamps"));
    Optional<Instant> since = Optional.empty();
    if (params.get("sinceTime") != null) {
      try {
        since = Optional.of(Instant.parse(params.get("sinceTime")));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("sinceTime is not an RFC 3339 time");
      }
    } else if (params.get("sinceSeconds") != null) {
      long seconds = positive(params.get("sinceSeconds"), "sinceSeconds");
      since = Optional.of(now.minus(Duration.ofSeconds(seconds)));
    }
    int tail =
        params.get("tailLines") == null
            ? -1
            : (int) Math.min(Integer.MAX_VALUE, nonNegative(params.get("tailLines"), "tailLines"));
    long limit =
        params.get("limitBytes") == null ? -1 : positive(params.get("limitBytes"), "limitBytes");
    return new ContainerLogQuery(timestamps, since, tail, limit);
  }

  /** The lines of a log file, each with its time (see the class comment). */
  static List<Line> lines(String content, Instant fileTime) {
    List<Line> out = new ArrayList<>();
    Instant last = fileTime;
    for (String raw : content.split("\n")) {
      if (raw.isEmpty()) {
        continue;
      }
      int space = raw.indexOf(' ');
      Instant stamp = null;
      if (space > 0 && Character.isDigit(raw.charAt(0))) {
        try {
          stamp = Instant.parse(raw.substring(0, space));
        } catch (DateTimeParseException e) {
          stamp = null;
        }
      }
      if (stamp == null) {
        out.add(new Line(last, raw));
      } else {
        last = stamp;
        out.add(new Line(stamp, raw.substring(space + 1)));
      }
    }
    return out;
  }

  /** A line as the node writes it into a log file. */
  static String stamped(Instant time, String text) {
    return time + " " + text + "\n";
  }

  /** What the kubelet would answer: selected lines, maybe stamped, cut at {@code limitBytes}. */
  byte[] answer(List<Line> lines) {
    List<Line> selected = new ArrayList<>();
    for (Line l : lines) {
      if (since.isEmpty() || !l.time().isBefore(since.get())) {
        selected.add(l);
      }
    }
    if (tailLines >= 0 && selected.size() > tailLines) {
      selected = selected.subList(selected.size() - tailLines, selected.size());
    }
    StringBuilder b = new StringBuilder();
    for (Line l : selected) {
      b.append(timestamps ? stamped(l.time(), l.text()) : l.text() + "\n");
    }
    byte[] out = b.toString().getBytes(StandardCharsets.UTF_8);
    if (limitBytes >= 0 && out.length > limitBytes) {
      byte[] cut = new byte[(int) limitBytes];
      System.arraycopy(out, 0, cut, 0, cut.length);
      return cut;
    }
    return out;
  }

  private static long nonNegative(String v, String name) {
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(name + " must be a non-negative integer");
  }

  private static long positive(String v, String name) {
    long n = nonNegative(v, name);
    if (n == 0) {
      throw new IllegalArgumentException(name + " must be positive");
    }
    return n;
  }
}
