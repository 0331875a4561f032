package io.openkruise.agents.localcluster.node;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Timestamps as the node writes them into Nodes and pod statuses. */
final class ApiTime {
  private ApiTime() {}

  /** RFC 3339 with second precision: what the API server stores, so re-reads compare equal. */
  static String format(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }
}
