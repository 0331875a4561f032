package io.openkruise.agents.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * The per-step timings sandbox-manager writes in each create's log line ({@code claimMs=12.3
 * initMs=20.1 … latencyMs=40}), read from the managers' log files between two marks, one histogram
 * (microseconds, from milliseconds) per step.
 */
final class ManagerLogs {

  private static final Pattern CREATE_LINE = Pattern.compile("claimed sandbox=");
  private static final Pattern STEP = Pattern.compile("\\b(\\w+)Ms=(\\d+(?:\\.\\d+)?)");
  private static final Pattern COLD = Pattern.compile("\\bcreated=true\\b");

  private final List<Path> files;

  ManagerLogs(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      this.files = List.of();
      return;
    }
    try (Stream<Path> s = Files.list(dir)) {
      this.files =
          s.filter(p -> p.getFileName().toString().startsWith("sandbox-manager")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where each file ends now. */
  Map<Path, Long> mark() {
    Map<Path, Long> m = new HashMap<>();
    for (Path f : files) {
      try {
        m.put(f, Files.size(f));
      } catch (IOException e) {
        m.put(f, 0L);
      }
    }
    return m;
  }

  /** Step histograms of the create lines written since {@code from}. */
  Map<String, Histogram> stepsSince(Map<Path, Long> from) {
    Map<String, Histogram> steps = new TreeMap<>();
    for (Path f : files) {
      try (RandomAccessFile in = new RandomAccessFile(f.toFile(), "r")) {
        in.seek(from.getOrDefault(f, 0L));
        String raw;
        while ((raw = in.readLine()) != null) {
          add(new String(raw.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8), steps);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return steps;
  }

  static void add(String line, Map<String, Histogram> steps) {
    if (!CREATE_LINE.matcher(line).find()) {
      return;
    }
    // Creates on no stock (created=true) wait for a new pod: kept apart from warm claims.
    String prefix = COLD.matcher(line).find() ? "cold-" : "";
    Matcher m = STEP.matcher(line);
    while (m.find()) {
      long micros = Math.round(Double.parseDouble(m.group(2)) * 1000);
      steps
          .computeIfAbsent(prefix + m.group(1), k -> new Histogram(Recorder.MAX_MICROS, 3))
          .recordValue(Math.min(Recorder.MAX_MICROS, micros));
    }
  }
}
