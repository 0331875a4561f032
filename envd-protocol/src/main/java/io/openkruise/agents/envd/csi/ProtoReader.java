package io.openkruise.agents.envd.csi;

import java.nio.charset.StandardCharsets;

/** Just enough protobuf wire-format decoding for one CSI message. Pure. */
final class ProtoReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final byte[] buf;
  private int pos;
  private final int end;

  ProtoReader(byte[] buf) {
    this(buf, 0, buf.length);
  }

  private ProtoReader(byte[] buf, int start, int end) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  boolean hasMore() {
    return pos < end;
  }

  /** Reads a tag; returns {@code fieldNumber << 3 | wireType}. */
  int readTag() {
    long tag = readVarint();
    if (tag == 0 || tag > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("invalid protobuf tag " + tag);
    }
    return (int) tag;
  }

  long readVarint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw new IllegalArgumentException("truncated varint");
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("varint too long");
  }

  private int readLength() {
    long len = readVarint();
    if (len < 0 || len > end - pos) {
      throw new IllegalArgumentException("length " + len + " exceeds the message");
    }
    return (int) len;
  }

  String readString() {
    int len = readLength();
    String s = new String(buf, pos, len, StandardCharsets.UTF_8);
    pos += len;
    return s;
  }

  ProtoReader readMessage() {
    int len = readLength();
    ProtoReader sub = new ProtoReader(buf, pos, pos + len);
    pos += len;
    return sub;
  }

  void skip(int wireType) {
    switch (wireType) {
      case VARINT -> readVarint();
      case FIXED64 -> advance(8);
      case LENGTH_DELIMITED -> advance(readLength());
      case FIXED32 -> advance(4);
      default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
    }
  }

  private void advance(int n) {
    if (n > end - pos) {
      throw new IllegalArgumentException("truncated field");
    }
    pos += n;
  }
}
