package io.openkruise.agents.manager.network;

import java.util.Optional;

/**
 * One E2B {@code allowOut}/{@code denyOut} entry: an IP or CIDR with an optional port or port
 * range, in E2B's spelling ({@code 8.8.8.8}, {@code 10.0.0.0/8:443}, {@code 1.2.3.4:1000-2000},
 * {@code [2001:db8::/32]:53}). Port 0 means all ports.
 */
public record EgressRule(Cidr cidr, int portStart, int portEnd) {

  public boolean allPorts() {
    return portStart == 0;
  }

  /**
   * @param field the JSON field the entry came from, named in the 400
   * @throws InvalidNetworkRules for a domain name (NetworkPolicy matches addresses only) or a
   *     malformed entry
   */
  public static EgressRule parse(String entry, String field) {
    String s = entry.strip();
    if (s.isEmpty()) {
      throw new InvalidNetworkRules(field + ": empty entry");
    }
    String host = s;
    String ports = "";
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new InvalidNetworkRules(field + ": missing ']' in " + entry);
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        throw new InvalidNetworkRules(field + ": expected ':' after ']' in " + entry);
      }
      ports = rest.isEmpty() ? "" : rest.substring(1);
    } else if (s.chars().filter(c -> c == ':').count() == 1) {
      int colon = s.indexOf(':');
      host = s.substring(0, colon);
      ports = s.substring(colon + 1);
    }
    Optional<Cidr> cidr = Cidr.parse(host);
    if (cidr.isEmpty()) {
      throw new InvalidNetworkRules(
          field
              + ": "
              + entry
              + " is not an IP address or CIDR; domain names are not supported on Kubernetes"
              + " (a NetworkPolicy matches addresses only)");
    }
    if (ports.isEmpty()) {
      return new EgressRule(cidr.get(), 0, 0);
    }
    int dash = ports.indexOf('-');
    int start = port(dash < 0 ? ports : ports.substring(0, dash), field, entry);
    int end = dash < 0 ? start : port(ports.substring(dash + 1), field, entry);
    if (start > end) {
      throw new InvalidNetworkRules(field + ": port range start above its end in " + entry);
    }
    return new EgressRule(cidr.get(), start, end);
  }

  private static int port(String text, String field, String entry) {
    if (!text.matches("\\d{1,5}")) {
      throw new InvalidNetworkRules(field + ": invalid port in " + entry);
    }
    int p = Integer.parseInt(text);
    if (p < 1 || p > 65535) {
      throw new InvalidNetworkRules(field + ": port must be between 1 and 65535 in " + entry);
    }
    return p;
  }
}
