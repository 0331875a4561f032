package io.openkruise.agents.runtime.connect;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The response side of a server-streaming RPC. All methods may be called from any thread; after
 * {@link #end} or {@link #fail} further calls are ignored.
 */
public interface ServerStream {
  /** Sends one message envelope. */
  void send(ObjectNode message);

  /** Sends the successful end-stream envelope and finishes the response. */
  void end();

  /** Sends an end-stream envelope carrying the mapped error and finishes the response. */
  void fail(Throwable error);

  /** True once the stream ended or the client went away. */
  boolean isClosed();

  /** Runs {@code action} once when the stream ends for any reason (including a lost client). */
  void onClose(Runnable action);
}
