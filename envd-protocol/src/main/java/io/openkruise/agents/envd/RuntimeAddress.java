package io.openkruise.agents.envd;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Base URLs of a sandbox's runtime, built only from an IP literal: a hostname (or anything else a
 * writer of the field could choose) would let that writer pick what the platform dials. IPv6 is
 * bracketed; a zone ID ({@code %eth0}) is refused, since a pod IP never has one. Pure.
 */
public final class RuntimeAddress {

  private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
  private static final Pattern IPV4 = Pattern.compile("(" + OCTET + "\\.){3}" + OCTET);

  /** What an IPv6 literal may contain; starting with a hex digit or ':' keeps the JDK off DNS. */
  private static final Pattern IPV6_CHARS =
      Pattern.compile("[0-9a-fA-F:][0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  private RuntimeAddress() {}

  /** {@code http://<ip>:49983}, or empty when {@code ip} is not an IP literal. */
  public static Optional<String> envd(String ip) {
    return baseUrl(ip, EnvdPorts.ENVD);
  }

  /**
   * {@code http://<ip>:<port>} ({@code http://[<ip>]:<port>} for IPv6), or empty when {@code ip} is
   * not an IP literal. An IPv6 literal that already carries its brackets is taken as is.
   */
  public static Optional<String> baseUrl(String ip, int port) {
    if (ip == null) {
      return Optional.empty();
    }
    if (ip.length() > 2 && ip.startsWith("[") && ip.endsWith("]")) {
      String bare = ip.substring(1, ip.length() - 1);
      return isIpv6(bare) ? Optional.of("http://" + ip + ":" + port) : Optional.empty();
    }
    if (isIpv4(ip)) {
      return Optional.of("http://" + ip + ":" + port);
    }
    if (isIpv6(ip)) {
      return Optional.of("http://[" + ip + "]:" + port);
    }
    return Optional.empty();
  }

  /** Dotted-quad IPv4, or an IPv6 literal without brackets or zone. */
  public static boolean isIpLiteral(String ip) {
    return ip != null && (isIpv4(ip) || isIpv6(ip));
  }

  private static boolean isIpv4(String ip) {
    return IPV4.matcher(ip).matches();
  }

  /**
   * The JDK parses a string that contains ':' as an IPv6 literal and never resolves it, so its
   * parser can be the judge once the characters are known to be those of a literal.
   */
  private static boolean isIpv6(String ip) {
    if (!IPV6_CHARS.matcher(ip).matches()) {
      return false;
    }
    try {
      InetAddress.getByName(ip);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
