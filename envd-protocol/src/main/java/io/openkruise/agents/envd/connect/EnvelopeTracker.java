package io.openkruise.agents.envd.connect;

import java.nio.ByteBuffer;
import java.util.function.IntUnaryOperator;

/**
 * Follows the envelope framing of a stream that arrives in chunks cut anywhere (a proxied response
 * body) without holding its bytes: whether the next byte starts an envelope, and whether an
 * end-stream envelope has begun. One stream, one thread.
 */
public final class EnvelopeTracker {
  private final byte[] header = new byte[ConnectEnvelope.HEADER_LENGTH];
  private int headerRead;
  private long payloadLeft;
  private boolean sawEndStream;

  /** Whether the next byte starts an envelope. */
  public boolean atBoundary() {
    return headerRead == 0 && payloadLeft == 0;
  }

  /** Whether the header of an end-stream envelope has been read. */
  public boolean sawEndStream() {
    return sawEndStream;
  }

  /** Advances the framing over the next chunk of the stream. */
  public void track(byte[] chunk) {
    track(chunk.length, i -> chunk[i]);
  }

  /**
   * Advances the framing over the next chunk, {@code length} bytes read through {@code byteAt}: a
   * caller holding the chunk in a buffer of its own lets it be read in place, and only header bytes
   * are read, payloads are skipped.
   */
  public void track(int length, IntUnaryOperator byteAt) {
    int i = 0;
    while (i < length) {
      if (payloadLeft > 0) {
        int take = (int) Math.min(payloadLeft, length - i);
        payloadLeft -= take;
        i += take;
        continue;
      }
      header[headerRead++] = (byte) byteAt.applyAsInt(i++);
      if (headerRead == header.length) {
        headerRead = 0;
        if ((header[0] & ConnectEnvelope.FLAG_END_STREAM) != 0) {
          sawEndStream = true;
        }
        payloadLeft = ByteBuffer.wrap(header, 1, 4).getInt() & 0xFFFFFFFFL;
      }
    }
  }
}
