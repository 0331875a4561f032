package io.openkruise.agents.manager.lifecycle;

import java.util.concurrent.CompletableFuture;

/**
 * Whether the HTTP client of a request has hung up. A create waits for the pool, for Ready and for
 * the runtime; once nobody waits for its answer it stops and gives back what it claimed, so a
 * client that opens creates and drops them cannot hold sandboxes or worker threads.
 */
public final class ClientGone {

  private final CompletableFuture<Void> gone = new CompletableFuture<>();

  /** A request whose client is never noticed leaving (internal callers, tests). */
  public static ClientGone never() {
    return new ClientGone();
  }

  /** Called from the connection's close handler (any thread). */
  public void signal() {
    gone.complete(null);
  }

  public boolean happened() {
    return gone.isDone();
  }

  /** Completes when the client hangs up; waits combine it with what they wait for. */
  public CompletableFuture<Void> future() {
    return gone;
  }
}
