package io.openkruise.agents.manager.proxy;

import io.vertx.core.http.HttpClientRequest;

/**
 * Where one proxied request goes, and what happened to it: filled in by admission, read by
 * forwarding and the tunnel, reported by {@link ProxyObservability}. Lives for one request, on its
 * event loop.
 */
final class ProxyTarget {
  final String sandboxId;
  final String mode;
  final long started = System.nanoTime();

  /** The sandbox's pod IP, once admitted. */
  String ip;

  /** The admitted sandbox, whose pod identity is checked before {@link #ip} is dialled. */
  io.openkruise.agents.api.v1alpha1.Sandbox sandbox;

  int port;

  /** The path inside the sandbox (routing prefix removed). */
  String path;

  /** {@link #path} with the query: what the sandbox receives. */
  String uri;

  /** The metric's and access log's outcome tag. */
  String outcome = "forwarded";

  boolean recorded;

  /** The sandbox's envd access token; empty when it is not secure. */
  String accessToken;

  String bootstrapToken;
  boolean secure;

  /** The request to the sandbox once the pool handed out a connection for it. */
  HttpClientRequest origin;

  /** The caller's connection closed before its response ended. */
  boolean callerGone;

  /**
   * The caller left: a request to the sandbox still waiting for its answer gives its pooled
   * connection back at once (reset) instead of holding it for a body end that will never come.
   *
   * <p>Once the answer's head has come, the proxy's response pipe owns the exchange (it resets the
   * request itself if the caller fails mid-body). Resetting later is wrong: Vert.x closes the
   * connection of an HTTP/1.x request whose response has ended, and by then the pool may have
   * handed that connection to the sandbox's next request, which fails with "Connection was closed".
   * The head always comes before the end, so this check cannot miss an ended exchange.
   */
  void callerGone() {
    callerGone = true;
    if (origin != null && !origin.response().isComplete()) {
      origin.reset();
    }
  }

  ProxyTarget(String sandboxId, String mode) {
    this.sandboxId = sandboxId;
    this.mode = mode;
  }
}
