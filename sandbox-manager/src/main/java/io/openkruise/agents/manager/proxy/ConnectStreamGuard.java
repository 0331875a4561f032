package io.openkruise.agents.manager.proxy;

import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.openkruise.agents.envd.connect.EnvelopeTracker;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * The body of a Connect streaming response (process output, directory watch) on its way from a
 * sandbox to the client. When the sandbox goes away mid-stream (its connection drops, ends without
 * Connect's end-stream message, or the cache reports it killed or paused), the client gets an
 * end-stream message with code {@code unavailable}, which the E2B SDKs map to their "sandbox was
 * killed or reached its end of life / timeout" errors, instead of a reset or a stream that hangs
 * until a transport timeout (a deleted pod's address often answers nothing at all).
 *
 * <p>Tracks the envelope framing ({@link EnvelopeTracker}) so the message is only ever added
 * between two envelopes; cut mid-envelope, the stream fails as before (reset).
 */
final class ConnectStreamGuard implements ReadStream<Buffer> {
  /** Why the stream ended early, as the guard tells the client. */
  interface Reason {
    /** The message of the end-stream error; {@code killed} when the sandbox is known gone. */
    String message(boolean killed);
  }

  private final ReadStream<Buffer> upstream;
  private final Context context;
  private final Reason reason;
  private final Runnable onFinish;
  private Handler<Buffer> dataHandler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  private final EnvelopeTracker framing = new EnvelopeTracker();
  private boolean finished;

  ConnectStreamGuard(
      ReadStream<Buffer> upstream, Context context, Reason reason, Runnable onFinish) {
    this.upstream = upstream;
    this.context = context;
    this.reason = reason;
    this.onFinish = onFinish;
  }

  /** Whether the next byte starts an envelope. */
  boolean atBoundary() {
    return framing.atBoundary();
  }

  boolean sawEndStream() {
    return framing.sawEndStream();
  }

  /** Advances the framing over {@code b}. */
  void track(Buffer b) {
    // Read in place: a copy of every chunk would cost the whole stream; headers are 5 bytes.
    framing.track(b.length(), b::getByte);
  }

  /** An end-stream envelope carrying {@code {"error":{"code":"unavailable","message":…}}}. */
  static Buffer unavailable(String message) {
    return Buffer.buffer(ConnectEnvelope.endStreamError("unavailable", message));
  }

  /** The sandbox is gone (cache event): end the stream now, from any thread. */
  void sandboxGone() {
    if (context == null) {
      gone();
    } else {
      context.runOnContext(v -> gone());
    }
  }

  private void gone() {
    if (finished) {
      return;
    }
    upstream.handler(null);
    upstream.exceptionHandler(null);
    upstream.endHandler(null);
    endEarly(null, true);
  }

  private void endEarly(Throwable cause, boolean killed) {
    if (finished) {
      return;
    }
    finished = true;
    onFinish.run();
    if (!sawEndStream() && atBoundary()) {
      if (dataHandler != null) {
        dataHandler.handle(unavailable(reason.message(killed)));
      }
      if (endHandler != null) {
        endHandler.handle(null);
      }
    } else if (exceptionHandler != null) {
      exceptionHandler.handle(
          cause != null ? cause : new IllegalStateException("sandbox stream cut mid-message"));
    }
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    this.dataHandler = handler;
    if (handler == null) {
      upstream.handler(null);
    } else {
      upstream.handler(
          b -> {
            if (!finished) {
              track(b);
              handler.handle(b);
            }
          });
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    upstream.exceptionHandler(handler == null ? null : err -> endEarly(err, false));
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    upstream.endHandler(
        handler == null
            ? null
            : v -> {
              if (sawEndStream()) {
                if (!finished) {
                  finished = true;
                  onFinish.run();
                  handler.handle(null);
                }
              } else {
                endEarly(null, false);
              }
            });
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    upstream.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    upstream.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    upstream.fetch(amount);
    return this;
  }
}
