package io.openkruise.agents.runtime.connect;

import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.openkruise.agents.envd.connect.MalformedEnvelopeException;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A Connect streaming envelope over Vert.x buffers: {@link ConnectEnvelope} (the shared codec) with
 * its failures as Connect errors. Pure functions, no I/O.
 */
public record Envelope(int flags, Buffer payload) {
  public static final int FLAG_COMPRESSED = ConnectEnvelope.FLAG_COMPRESSED;
  public static final int FLAG_END_STREAM = ConnectEnvelope.FLAG_END_STREAM;
  public static final int HEADER_LENGTH = ConnectEnvelope.HEADER_LENGTH;

  public boolean isEndStream() {
    return (flags & FLAG_END_STREAM) != 0;
  }

  /** Frames one payload. */
  public static Buffer encode(int flags, Buffer payload) {
    return Buffer.buffer(HEADER_LENGTH + payload.length())
        .appendBytes(ConnectEnvelope.header(flags, payload.length()))
        .appendBuffer(payload);
  }

  /**
   * Splits a complete request body into envelopes.
   *
   * @throws ConnectException {@code invalid_argument} when the body is truncated, {@code
   *     resource_exhausted} when a length is over the limit
   */
  public static List<Envelope> decodeAll(Buffer body, int maxMessageBytes) {
    List<ConnectEnvelope.Frame> frames;
    try {
      frames = ConnectEnvelope.split(body.getBytes(), maxMessageBytes);
    } catch (MalformedEnvelopeException e) {
      throw e.tooLarge()
          ? new ConnectException(ConnectCode.RESOURCE_EXHAUSTED, e.getMessage())
          : ConnectException.invalidArgument(e.getMessage());
    }
    List<Envelope> result = new ArrayList<>(frames.size());
    for (ConnectEnvelope.Frame f : frames) {
      result.add(new Envelope(f.flags(), body.slice(f.offset(), f.offset() + f.length())));
    }
    return result;
  }

  /**
   * Extracts the single request message of a server-streaming call.
   *
   * @throws ConnectException when there is not exactly one uncompressed data envelope
   */
  public static Buffer singleMessage(Buffer body, int maxMessageBytes) {
    List<Envelope> envelopes = decodeAll(body, maxMessageBytes);
    if (envelopes.size() != 1) {
      throw ConnectException.invalidArgument(
          "expected exactly one request envelope, got " + envelopes.size());
    }
    Envelope e = envelopes.get(0);
    if ((e.flags() & FLAG_COMPRESSED) != 0) {
      throw new ConnectException(
          ConnectCode.UNIMPLEMENTED, "compressed envelopes are not supported");
    }
    if (e.isEndStream()) {
      throw ConnectException.invalidArgument("request envelope must not carry the end-stream flag");
    }
    return e.payload();
  }
}
