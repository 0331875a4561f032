package io.openkruise.agents.runtime.connect;

import io.vertx.core.MultiMap;

/**
 * What a handler may know about the call besides its message.
 *
 * @param headers request headers (e.g. {@code Keepalive-Ping-Interval}, {@code Authorization})
 * @param timeoutMs value of {@code Connect-Timeout-Ms}, or 0 when absent
 */
public record RpcCall(String procedure, MultiMap headers, long timeoutMs) {

  /** Seconds between keepalive events the client asked for; envd's default is 90. */
  public long keepaliveSeconds() {
    String v = headers.get("Keepalive-Ping-Interval");
    if (v == null) {
      return 90;
    }
    try {
      long s = Long.parseLong(v.trim());
      return s > 0 ? s : 90;
    } catch (NumberFormatException e) {
      return 90;
    }
  }
}
