package io.openkruise.agents.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * API-server requests in a time window, counted from the API server's own audit log (one JSON event
 * per completed request; {@code --audit-log} of the local cluster), by {@code "verb
 * resource[/subresource]"}. Counted from the server's record, not from our code, so a write no
 * component admits to still shows.
 */
final class AuditCounts {

  static final Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete");

  /**
   * Background traffic that does not scale with claims (leader election, events); listed, but not
   * in the per-claim totals.
   */
  static final Set<String> BACKGROUND_RESOURCES = Set.of("leases", "events");

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param writes write requests by "verb resource[/sub]"
   * @param reads get and list requests by "verb resource[/sub]"
   */
  record Window(Map<String, Integer> writes, Map<String, Integer> reads) {
    int claimWrites() {
      return sum(writes);
    }

    int claimReads() {
      return sum(reads);
    }

    private static int sum(Map<String, Integer> m) {
      return m.entrySet().stream()
          .filter(e -> !BACKGROUND_RESOURCES.contains(e.getKey().split(" ")[1].split("/")[0]))
          .mapToInt(Map.Entry::getValue)
          .sum();
    }
  }

  static Window read(Path log, Instant from, Instant to) {
    Map<String, Integer> writes = new TreeMap<>();
    Map<String, Integer> reads = new TreeMap<>();
    try (BufferedReader in = Files.newBufferedReader(log)) {
      String line;
      while ((line = in.readLine()) != null) {
        count(line, from, to, writes, reads);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit log " + log, e);
    }
    return new Window(writes, reads);
  }

  static void count(
      String line,
      Instant from,
      Instant to,
      Map<String, Integer> writes,
      Map<String, Integer> reads) {
    JsonNode e;
    try {
      e = JSON.readTree(line);
    } catch (IOException ex) {
      return; // a torn last line while the server writes
    }
    if (e == null || !"ResponseComplete".equals(e.path("stage").asText())) {
      return;
    }
    Instant at;
    try {
      at = Instant.parse(e.path("requestReceivedTimestamp").asText());
    } catch (DateTimeParseException ex) {
      return;
    }
    if (at.isBefore(from) || at.isAfter(to)) {
      return;
    }
    JsonNode ref = e.path("objectRef");
    if (ref.isMissingNode() || ref.path("resource").asText().isEmpty()) {
      return; // non-resource URLs (/healthz, /version, discovery)
    }
    String resource = ref.path("resource").asText();
    String sub = ref.path("subresource").asText();
    String verb = e.path("verb").asText();
    String key = verb + " " + resource + (sub.isEmpty() ? "" : "/" + sub);
    if (WRITE_VERBS.contains(verb)) {
      writes.merge(key, 1, Integer::sum);
    } else if (verb.equals("get") || verb.equals("list")) {
      reads.merge(key, 1, Integer::sum);
    }
  }
}
