package io.openkruise.agents.localcluster.realnode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Forwards TCP connections from one local address to another, bytes unchanged (TLS passes through).
 * The real node's pods and kube-proxy live in a network namespace that cannot reach the host's
 * loopback, where the API server listens; this relay listens on the host end of the veth. Written
 * here because the JDK's blocking sockets do it in a page and no library we use offers a plain TCP
 * forwarder; a handful of long-lived connections (watches) is all it carries.
 */
public final class TcpRelay implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TcpRelay.class.getName());

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private TcpRelay(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
  }

  /** Listens on {@code listen} and relays every connection to {@code target}. */
  public static TcpRelay start(InetSocketAddress listen, InetSocketAddress target) {
    try {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(listen, 64);
      TcpRelay relay = new TcpRelay(s, target);
      Thread t = new Thread(relay::acceptLoop, "tcp-relay-" + listen);
      t.setDaemon(true);
      t.start();
      return relay;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + listen, e);
    }
  }

  static TcpRelay start(String listenIp, int port, InetAddress targetIp) {
    return start(new InetSocketAddress(listenIp, port), new InetSocketAddress(targetIp, port));
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket in = server.accept();
        Socket out = new Socket();
        try {
          out.connect(target, 5_000);
        } catch (IOException e) {
          in.close();
          out.close();
          continue;
        }
        open.add(in);
        open.add(out);
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        if (!closed) {
          LOG.fine(() -> "relay accept failed: " + e.getMessage());
        }
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream is = from.getInputStream()) {
                OutputStream os = to.getOutputStream();
                for (int n; (n = is.read(buf)) >= 0; ) {
                  os.write(buf, 0, n);
                  os.flush();
                }
                to.shutdownOutput();
              } catch (IOException e) {
                // the other side went away: close both
                closeQuietly(to);
              } finally {
                closeQuietly(from);
              }
            },
            "tcp-relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    open.forEach(this::closeQuietly);
  }
}
