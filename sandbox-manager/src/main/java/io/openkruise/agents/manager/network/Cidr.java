package io.openkruise.agents.manager.network;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address block, normalised to its network address (NetworkPolicy's {@code ipBlock}
 * wants canonical CIDRs). A bare address is a /32 or /128. Parsing never resolves a name: only
 * literals are accepted.
 */
public record Cidr(byte[] network, int prefix) {

  private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  public static final Cidr ALL_V4 = parse("0.0.0.0/0").orElseThrow();
  public static final Cidr ALL_V6 = parse("::/0").orElseThrow();

  /** The block, or empty when {@code text} is no IP literal or CIDR (a domain name, say). */
  public static Optional<Cidr> parse(String text) {
    String address = text;
    int prefix = -1;
    int slash = text.indexOf('/');
    if (slash >= 0) {
      address = text.substring(0, slash);
      String p = text.substring(slash + 1);
      if (!p.matches("\\d{1,3}")) {
        return Optional.empty();
      }
      prefix = Integer.parseInt(p);
    }
    boolean v4 = V4.matcher(address).matches();
    if (!v4 && !V6.matcher(address).matches()) {
      return Optional.empty();
    }
    byte[] bytes;
    try {
      // A literal (checked above), so no DNS lookup happens.
      bytes = InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
    if (v4 && bytes.length != 4) {
      return Optional.empty();
    }
    int bits = bytes.length * 8;
    if (prefix < 0) {
      prefix = bits;
    }
    if (prefix > bits) {
      return Optional.empty();
    }
    return Optional.of(new Cidr(mask(bytes, prefix), prefix));
  }

  public boolean isV4() {
    return network.length == 4;
  }

  /** Whether the whole of {@code other} lies inside this block (equal blocks included). */
  public boolean contains(Cidr other) {
    if (other.network.length != network.length || other.prefix < prefix) {
      return false;
    }
    return Arrays.equals(mask(other.network, prefix), network);
  }

  /** The whole address family (0.0.0.0/0 or ::/0). */
  public boolean isEverything() {
    return prefix == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefix;
  }

  @Override
  public String toString() {
    try {
      String host = InetAddress.getByAddress(network).getHostAddress();
      if (!isV4()) {
        host = compress(host);
      }
      return host + "/" + prefix;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] mask(byte[] address, int prefix) {
    byte[] out = address.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] = (byte) (out[i] & (0xff << (8 - keep)));
    }
    return out;
  }

  /** Java prints IPv6 uncompressed (0:0:0:0:0:0:0:0); the API server echoes the short form. */
  private static String compress(String full) {
    String[] parts = full.split(":");
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < parts.length; ) {
      if (!parts[i].equals("0")) {
        i++;
        continue;
      }
      int j = i;
      while (j < parts.length && parts[j].equals("0")) {
        j++;
      }
      if (j - i > bestLen && j - i > 1) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestStart < 0) {
      return full;
    }
    String head = String.join(":", Arrays.copyOfRange(parts, 0, bestStart));
    String tail = String.join(":", Arrays.copyOfRange(parts, bestStart + bestLen, parts.length));
    return head + "::" + tail;
  }
}
