package io.openkruise.agents.localcluster.node;

import java.util.HashSet;
import java.util.Set;

/**
 * Hands out one 127.x.y.z address per pod. Linux routes all of 127.0.0.0/8 to the loopback
 * interface, so every pod can listen on the real envd and code-interpreter ports. Addresses go up
 * from the first one, skip {@code .0} and {@code .255} in the last octet, never reach 127.0.0.x
 * (the host's own 127.0.0.1 lives there), and wrap around to reuse released ones when the range is
 * spent. Not thread-safe.
 */
public final class LoopbackAddresses {
  private static final int LOWEST = toInt("127.0.1.0");
  private static final int HIGHEST = toInt("127.255.255.254");

  private final int first;
  private int next;
  private final Set<Integer> inUse = new HashSet<>();

  /** Starts at {@code 127.1.0.2}. */
  public LoopbackAddresses() {
    this("127.1.0.2");
  }

  public LoopbackAddresses(String first) {
    int f = toInt(first);
    if (f < LOWEST || f > HIGHEST) {
      throw new IllegalArgumentException("not in 127.0.1.0 - 127.255.255.254: " + first);
    }
    this.first = f;
    this.next = f;
  }

  /**
   * @return a free address
   * @throws IllegalStateException when every address of the range is taken
   */
  public String allocate() {
    int capacity = HIGHEST - first + 1;
    for (int tries = 0; tries < capacity; tries++) {
      int candidate = next;
      next = candidate >= HIGHEST ? first : candidate + 1;
      int last = candidate & 0xff;
      if (last == 0 || last == 255 || inUse.contains(candidate)) {
        continue;
      }
      inUse.add(candidate);
      return toString(candidate);
    }
    throw new IllegalStateException("no free loopback address left");
  }

  /** Returns an address for reuse; unknown addresses are ignored. */
  public void release(String address) {
    inUse.remove(toInt(address));
  }

  public int inUse() {
    return inUse.size();
  }

  static int toInt(String address) {
    String[] parts = address.split("\\.");
    if (parts.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + address);
    }
    int v = 0;
    for (String p : parts) {
      int octet = Integer.parseInt(p);
      if (octet < 0 || octet > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + address);
      }
      v = (v << 8) | octet;
    }
    return v;
  }

  static String toString(int v) {
    return ((v >>> 24) & 0xff)
        + "."
        + ((v >>> 16) & 0xff)
        + "."
        + ((v >>> 8) & 0xff)
        + "."
        + (v & 0xff);
  }
}
