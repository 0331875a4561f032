package io.openkruise.agents.manager.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Parsing of E2B timeout values and the deadline arithmetic of the lifecycle. */
public final class Timeouts {

  private Timeouts() {}

  /**
   * Reads a timeout in seconds from a request field.
   *
   * @param node the field, or null/missing when the client did not send it
   * @param fallback used when absent (or JSON null)
   * @param max largest allowed value
   * @throws E2bException 400 for non-numbers, values at or below zero and values above {@code max}
   */
  public static Duration parse(JsonNode node, String field, Duration fallback, Duration max) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return fallback;
    }
    if (!node.isNumber()) {
      throw E2bException.badRequest(field + " must be a number of seconds");
    }
    // JS SDKs round milliseconds up; accept fractions the same way.
    BigDecimal seconds = node.decimalValue().setScale(0, RoundingMode.CEILING);
    if (seconds.signum() <= 0) {
      throw E2bException.badRequest("Timeout must be greater than 0");
    }
    if (seconds.compareTo(BigDecimal.valueOf(max.toSeconds())) > 0) {
      throw E2bException.badRequest("Timeout cannot be greater than " + describe(max));
    }
    return Duration.ofSeconds(seconds.longValueExact());
  }

  /** "24 hours", "90 seconds": the wording E2B uses in its limit errors. */
  public static String describe(Duration d) {
    long s = d.toSeconds();
    if (s % 3600 == 0) {
      return (s / 3600) + " hours";
    }
    return s + " seconds";
  }

  /**
   * RFC 3339 at millisecond precision, rounded up so a deadline is never earlier than asked. Whole
   * seconds would keep a sandbox up to a second past the end its owner set (E2B ends it at the end
   * it reports); RFC 3339 fractions parse in Kubernetes, kubectl and Go's metav1.Time.
   */
  public static String format(Instant t) {
    Instant truncated = t.truncatedTo(ChronoUnit.MILLIS);
    return (truncated.equals(t) ? truncated : truncated.plusMillis(1)).toString();
  }
}
