package io.openkruise.agents.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.openkruise.agents.testing.tier.UnitTier
class AuditCountsTest {

  private static String event(String at, String verb, String resource, String sub, String stage) {
    return "{\"kind\":\"Event\",\"level\":\"Metadata\",\"stage\":\""
        + stage
        + "\",\"verb\":\""
        + verb
        + "\",\"requestReceivedTimestamp\":\""
        + at
        + "\",\"objectRef\":{\"resource\":\""
        + resource
        + "\""
        + (sub == null ? "" : ",\"subresource\":\"" + sub + "\"")
        + "}}";
  }

  @Test
  void countsWritesAndReadsInTheWindowByVerbAndResource(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("audit.log");
    Files.write(
        log,
        List.of(
            event("2026-12-01T10:00:00.500000Z", "patch", "sandboxes", null, "ResponseComplete"),
            event("2026-12-01T10:00:01.000000Z", "patch", "sandboxes", null, "ResponseComplete"),
            event(
                "2026-12-01T10:00:01.000000Z", "update", "sandboxes", "status", "ResponseComplete"),
            event("2026-12-01T10:00:01.000000Z", "update", "leases", null, "ResponseComplete"),
            event("2026-12-01T10:00:01.000000Z", "get", "sandboxes", null, "ResponseComplete"),
            event("2026-12-01T10:00:01.000000Z", "create", "pods", null, "ResponseStarted"),
            event("2026-12-01T10:00:09.000000Z", "create", "pods", null, "ResponseComplete"),
            "{\"kind\":\"Event\",\"stage\":\"ResponseComplete\",\"verb\":\"get\","
                + "\"requestReceivedTimestamp\":\"2026-12-01T10:00:01Z\"}",
            "{torn"));

    AuditCounts.Window w =
        AuditCounts.read(
            log, Instant.parse("2026-12-01T10:00:00.600Z"), Instant.parse("2026-12-01T10:00:02Z"));

    assertThat(w.writes())
        .containsOnly(
            org.assertj.core.api.Assertions.entry("patch sandboxes", 1),
            org.assertj.core.api.Assertions.entry("update sandboxes/status", 1),
            org.assertj.core.api.Assertions.entry("update leases", 1));
    assertThat(w.reads()).containsOnly(org.assertj.core.api.Assertions.entry("get sandboxes", 1));
    assertThat(w.claimWrites()).as("leases are background, not per claim").isEqualTo(2);
  }
}
