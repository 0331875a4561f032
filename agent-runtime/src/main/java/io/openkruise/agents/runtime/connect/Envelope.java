package io.openkruise.agents.runtime.connect;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Connect streaming envelope: 1 flag byte, 4-byte big-endian length, payload. Pure functions, no
 * I/O.
 */
public record Envelope(int flags, Buffer payload) {
  public static final int FLAG_COMPRESSED = 0x01;
  public static final int FLAG_END_STREAM = 0x02;
  public static final int HEADER_LENGTH = 5;

  public boolean isEndStream() {
    return (flags & FLAG_END_STREAM) != 0;
  }

  /** Frames one payload. */
  public static Buffer encode(int flags, Buffer payload) {
    Buffer out = Buffer.buffer(HEADER_LENGTH + payload.length());
    out.appendByte((byte) flags);
    out.appendInt(payload.length());
    out.appendBuffer(payload);
    return out;
  }

  /**
   * Splits a complete request body into envelopes.
   *
   * @throws ConnectException {@code invalid_argument} when the body is truncated or a length is out
   *     of range
   */
  public static List<Envelope> decodeAll(Buffer body, int maxMessageBytes) {
    List<Envelope> result = new ArrayList<>();
    int pos = 0;
    while (pos < body.length()) {
      if (body.length() - pos < HEADER_LENGTH) {
        throw ConnectException.invalidArgument(
            "malformed envelope: " + (body.length() - pos) + " trailing bytes, header needs 5");
      }
      int flags = body.getUnsignedByte(pos);
      long length = body.getUnsignedInt(pos + 1);
      if (length > maxMessageBytes) {
        throw new ConnectException(
            ConnectCode.RESOURCE_EXHAUSTED,
            "message of " + length + " bytes exceeds the limit of " + maxMessageBytes);
      }
      int start = pos + HEADER_LENGTH;
      if (body.length() - start < length) {
        throw ConnectException.invalidArgument(
            "malformed envelope: declares " + length + " bytes, only " + (body.length() - start));
      }
      result.add(new Envelope(flags, body.slice(start, start + (int) length)));
      pos = start + (int) length;
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
