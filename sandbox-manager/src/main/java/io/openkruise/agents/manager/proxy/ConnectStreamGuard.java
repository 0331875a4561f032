package io.openkruise.agents.manager.proxy;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.nio.charset.StandardCharsets;

/**
 * The body of a Connect streaming response (process output, directory watch) on its way from a
 * sandbox to the client. When the sandbox goes away mid-stream (its connection drops, ends without
 * Connect's end-stream message, or the cache reports it killed or paused), the client gets an
 * end-stream message with code {@code unavailable}, which the E2B SDKs map to their "sandbox was
 * killed or reached its end of life / timeout" errors, instead of a reset or a stream that hangs
 * until a transport timeout (a deleted pod's address often answers nothing at all).
 *
 * <p>Tracks the envelope framing (1 flag byte, 4 length bytes, payload) so the message is only ever
 * added between two envelopes; cut mid-envelope, the stream fails as before (reset).
 */
final class ConnectStreamGuard implements ReadStream<Buffer> {
  static final int FLAG_END_STREAM = 0x02;

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

  // Envelope framing state.
  private int headerRead;
  private final byte[] header = new byte[5];
  private long payloadLeft;
  private boolean sawEndStream;
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
    return headerRead == 0 && payloadLeft == 0;
  }

  boolean sawEndStream() {
    return sawEndStream;
  }

  /** Advances the framing over {@code b}. */
  void track(Buffer b) {
    int i = 0;
    int n = b.length();
    while (i < n) {
      if (payloadLeft > 0) {
        int take = (int) Math.min(payloadLeft, n - i);
        payloadLeft -= take;
        i += take;
        continue;
      }
      header[headerRead++] = b.getByte(i++);
      if (headerRead == 5) {
        headerRead = 0;
        if ((header[0] & FLAG_END_STREAM) != 0) {
          sawEndStream = true;
        }
        payloadLeft =
            ((header[1] & 0xffL) << 24)
                | ((header[2] & 0xffL) << 16)
                | ((header[3] & 0xffL) << 8)
                | (header[4] & 0xffL);
      }
    }
  }

  /** An end-stream envelope carrying {@code {"error":{"code":"unavailable","message":…}}}. */
  static Buffer unavailable(String message) {
    String json = "{\"error\":{\"code\":\"unavailable\",\"message\":" + jsonString(message) + "}}";
    byte[] payload = json.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(5 + payload.length)
        .appendByte((byte) FLAG_END_STREAM)
        .appendInt(payload.length)
        .appendBytes(payload);
  }

  private static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
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
    if (!sawEndStream && atBoundary()) {
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
              if (sawEndStream) {
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
