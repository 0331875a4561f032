package io.openkruise.agents.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocketFactory;

/**
 * A loopback relay between one service and the API server that holds back what the API server sends
 * on watch connections by a settable lag: a watch that lags on the wire (a slow or distant API
 * server, a saturated network) without touching the service. The service speaks plain HTTP/1.1 to
 * the relay, so the relay sees which connection carries a watch ({@code watch=true} in a request
 * line; such a connection stays delayed); upstream it speaks TLS with the admin's client
 * certificate. Lists, gets and writes pass at once. Bytes keep their order: each chunk is released
 * at its arrival time plus the lag in force then, never before the chunk ahead of it. Test-only.
 */
final class WatchLagRelay implements AutoCloseable {

  private static final byte[] WATCH = "watch=true".getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket listener;
  private final SSLSocketFactory upstream;
  private final String host;
  private final int port;
  private final AtomicLong lagNanos = new AtomicLong();
  private final long started = System.nanoTime();
  private final AtomicInteger watches = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "watch-lag-relay");
            t.setDaemon(true);
            return t;
          });

  private WatchLagRelay(SSLSocketFactory upstream, String host, int port) throws IOException {
    this.upstream = upstream;
    this.host = host;
    this.port = port;
    this.listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  /** A relay to the API server of {@code apiServer} (an admin configuration with client certs). */
  static WatchLagRelay start(Config apiServer) throws Exception {
    URI api = URI.create(apiServer.getMasterUrl());
    return new WatchLagRelay(
        SSLUtils.sslContext(apiServer).getSocketFactory(), api.getHost(), api.getPort());
  }

  /** From now on, watch bytes reach the service this much later than the API server sent them. */
  void lag(Duration lag) {
    lagNanos.set(lag.toNanos());
  }

  /** Connections that carried a watch so far (the service really watches through the relay). */
  int watchConnections() {
    return watches.get();
  }

  /**
   * A kubeconfig reaching the API server through this relay; no credentials (the relay has them).
   */
  Path kubeconfig(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("kubeconfig-watch-lag");
    Files.writeString(
        file,
        "apiVersion: v1\n"
            + "kind: Config\n"
            + "clusters:\n"
            + "- name: lagged\n"
            + "  cluster:\n"
            + "    server: http://127.0.0.1:"
            + listener.getLocalPort()
            + "\n"
            + "users:\n"
            + "- name: through-relay\n"
            + "  user: {}\n"
            + "contexts:\n"
            + "- name: lagged\n"
            + "  context:\n"
            + "    cluster: lagged\n"
            + "    user: through-relay\n"
            + "    namespace: default\n"
            + "current-context: lagged\n");
    return file;
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        threads.execute(() -> relay(client));
      } catch (IOException closed) {
        return;
      }
    }
  }

  /**
   * One connection: requests straight up (looking for a watch), responses back through a queue
   * whose deliverer ends the connection after the last delayed chunk.
   */
  private void relay(Socket client) {
    Socket server = connectUpstream();
    if (server == null) {
      closeQuietly(client);
      return;
    }
    open.add(client);
    open.add(server);
    AtomicBoolean watch = new AtomicBoolean();
    BlockingQueue<Chunk> back = new LinkedBlockingQueue<>();
    threads.execute(() -> requests(client, server, watch));
    threads.execute(() -> deliver(back, client, server));
    long due = 0;
    try {
      InputStream in = server.getInputStream();
      byte[] buf = new byte[16 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        long lag = watch.get() ? lagNanos.get() : 0;
        due = Math.max(due, now() + lag);
        back.add(new Chunk(Arrays.copyOf(buf, n), due));
      }
    } catch (IOException closed) {
      // the API server or the other direction ended it
    }
    back.add(new Chunk(null, due));
  }

  private Socket connectUpstream() {
    try {
      return upstream.createSocket(host, port);
    } catch (IOException e) {
      return null;
    }
  }

  /** Client to API server, unchanged; a request line asking for a watch marks the connection. */
  private void requests(Socket client, Socket server, AtomicBoolean watch) {
    try {
      InputStream in = client.getInputStream();
      OutputStream out = server.getOutputStream();
      byte[] buf = new byte[16 * 1024];
      byte[] tail = new byte[0];
      for (int n; (n = in.read(buf)) > 0; ) {
        if (!watch.get()) {
          byte[] seen = concat(tail, buf, n);
          if (indexOf(seen, WATCH) >= 0) {
            watch.set(true);
            watches.incrementAndGet();
          }
          tail = Arrays.copyOfRange(seen, Math.max(0, seen.length - WATCH.length), seen.length);
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException closed) {
      // the other direction ends the connection
    } finally {
      closeQuietly(server);
    }
  }

  /** API server to client, each chunk at its release time; the end closes both sides. */
  private void deliver(BlockingQueue<Chunk> back, Socket client, Socket server) {
    try {
      OutputStream out = client.getOutputStream();
      while (true) {
        Chunk c = back.take();
        long wait = c.due() - now();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        if (c.bytes() == null) {
          return;
        }
        out.write(c.bytes());
        out.flush();
      }
    } catch (IOException | InterruptedException closed) {
      // client gone
    } finally {
      closeQuietly(client);
      closeQuietly(server);
      open.remove(client);
      open.remove(server);
    }
  }

  /** Nanoseconds since the relay started (never negative, unlike {@link System#nanoTime}). */
  private long now() {
    return System.nanoTime() - started;
  }

  /** What the API server sent, and when (relay time) it may reach the service; null bytes: end. */
  private record Chunk(byte[] bytes, long due) {}

  private static byte[] concat(byte[] a, byte[] b, int n) {
    byte[] r = Arrays.copyOf(a, a.length + n);
    System.arraycopy(b, 0, r, a.length, n);
    return r;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    open.forEach(WatchLagRelay::closeQuietly);
    threads.shutdownNow();
  }
}
