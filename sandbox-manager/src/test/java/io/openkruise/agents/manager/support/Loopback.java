package io.openkruise.agents.manager.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback address whose fixed port (the runtime's 49983) is free. Other test JVMs on this
 * machine (local-cluster nodes) hold 127.1.0.x, so pick at random from a range nobody uses.
 */
public final class Loopback {

  private Loopback() {}

  public static String freeAddressFor(int port) {
    for (int i = 0; i < 50; i++) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      String ip = "127.213." + r.nextInt(1, 255) + "." + r.nextInt(1, 255);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
        return ip;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IllegalStateException("no free loopback address for port " + port);
  }
}
