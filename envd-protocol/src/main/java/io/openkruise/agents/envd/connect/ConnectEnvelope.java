package io.openkruise.agents.envd.connect;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Connect streaming envelope: 1 flag byte, 4-byte big-endian length, payload. Pure functions
 * over bytes; the runtime adapts them to Vert.x buffers, clients and tests use them directly.
 */
public final class ConnectEnvelope {

  public static final int FLAG_COMPRESSED = 0x01;
  public static final int FLAG_END_STREAM = 0x02;
  public static final int HEADER_LENGTH = 5;

  /** The media type of a Connect streaming call with JSON messages. */
  public static final String CONTENT_TYPE_JSON = "application/connect+json";

  private ConnectEnvelope() {}

  /** One envelope: its flags and where its payload lies in the body it was read from. */
  public record Frame(int flags, int offset, int length) {
    public boolean isEndStream() {
      return (flags & FLAG_END_STREAM) != 0;
    }

    public boolean isCompressed() {
      return (flags & FLAG_COMPRESSED) != 0;
    }
  }

  /** An envelope read whole: flags and a copy of the payload. */
  public record Message(int flags, byte[] payload) {
    public boolean isEndStream() {
      return (flags & FLAG_END_STREAM) != 0;
    }

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  /** The 5-byte header for a payload of {@code length} bytes. */
  public static byte[] header(int flags, int length) {
    return ByteBuffer.allocate(HEADER_LENGTH).put((byte) flags).putInt(length).array();
  }

  /** Frames one payload. */
  public static byte[] encode(int flags, byte[] payload) {
    return ByteBuffer.allocate(HEADER_LENGTH + payload.length)
        .put((byte) flags)
        .putInt(payload.length)
        .put(payload)
        .array();
  }

  /** Frames one JSON (or other UTF-8) message with no flags: a request's only envelope. */
  public static byte[] encode(String message) {
    return encode(0, message.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The end-stream envelope of a failed stream: {@code {"error":{"code":…,"message":…}}}, which the
   * SDKs raise as the call's error.
   */
  public static byte[] endStreamError(String code, String message) {
    String json =
        "{\"error\":{\"code\":" + jsonString(code) + ",\"message\":" + jsonString(message) + "}}";
    return encode(FLAG_END_STREAM, json.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code s} as a JSON string literal: quotes, backslashes and control characters escaped. */
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

  /**
   * Splits a complete request body into envelopes, strictly.
   *
   * @throws MalformedEnvelopeException when the body is truncated or a length exceeds {@code
   *     maxMessageBytes}
   */
  public static List<Frame> split(byte[] body, int maxMessageBytes) {
    List<Frame> result = new ArrayList<>();
    int pos = 0;
    while (pos < body.length) {
      if (body.length - pos < HEADER_LENGTH) {
        throw new MalformedEnvelopeException(
            false,
            "malformed envelope: " + (body.length - pos) + " trailing bytes, header needs 5");
      }
      int flags = body[pos] & 0xFF;
      long length = ByteBuffer.wrap(body, pos + 1, 4).getInt() & 0xFFFFFFFFL;
      if (length > maxMessageBytes) {
        throw new MalformedEnvelopeException(
            true, "message of " + length + " bytes exceeds the limit of " + maxMessageBytes);
      }
      int start = pos + HEADER_LENGTH;
      if (body.length - start < length) {
        throw new MalformedEnvelopeException(
            false,
            "malformed envelope: declares " + length + " bytes, only " + (body.length - start));
      }
      result.add(new Frame(flags, start, (int) length));
      pos = start + (int) length;
    }
    return result;
  }

  /**
   * Every complete envelope of a response body, leniently: a cut-off last envelope (a stream that
   * ended early) is left out.
   */
  public static List<Message> readAll(byte[] body) {
    ByteBuffer buf = ByteBuffer.wrap(body);
    List<Message> result = new ArrayList<>();
    while (buf.remaining() >= HEADER_LENGTH) {
      int flags = buf.get() & 0xFF;
      int length = buf.getInt();
      if (length < 0 || length > buf.remaining()) {
        break;
      }
      byte[] payload = new byte[length];
      buf.get(payload);
      result.add(new Message(flags, payload));
    }
    return result;
  }

  /**
   * The next envelope of a stream, as the SDKs read them one at a time.
   *
   * @return null when the stream ended cleanly before another envelope
   * @throws EOFException when it ended inside one
   */
  public static Message read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int flags = data.read();
    if (flags < 0) {
      return null;
    }
    int length = data.readInt();
    if (length < 0) {
      throw new IOException("envelope length out of range");
    }
    byte[] payload = new byte[length];
    data.readFully(payload);
    return new Message(flags, payload);
  }

  /** The payload of {@code frame} within {@code body}. */
  public static byte[] payload(byte[] body, Frame frame) {
    return Arrays.copyOfRange(body, frame.offset(), frame.offset() + frame.length());
  }
}
