package io.openkruise.agents.envd.csi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** Just enough protobuf wire-format encoding for one CSI message. Pure. */
final class ProtoWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private void tag(int field, int wire) {
    raw((field << 3) | wire);
  }

  private void raw(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  void varint(int field, long v) {
    tag(field, ProtoReader.VARINT);
    raw(v);
  }

  void bytes(int field, byte[] b) {
    tag(field, ProtoReader.LENGTH_DELIMITED);
    raw(b.length);
    out.writeBytes(b);
  }

  void string(int field, String s) {
    bytes(field, s.getBytes(StandardCharsets.UTF_8));
  }

  /** A string field that proto3 leaves out when empty. */
  void optionalString(int field, String s) {
    if (s != null && !s.isEmpty()) {
      string(field, s);
    }
  }

  void message(int field, ProtoWriter m) {
    bytes(field, m.bytes());
  }

  /** Protobuf maps are repeated entries {@code {1: key, 2: value}}; sorted for stable output. */
  void map(int field, Map<String, String> m) {
    if (m == null) {
      return;
    }
    new TreeMap<>(m)
        .forEach(
            (k, v) -> {
              ProtoWriter e = new ProtoWriter();
              e.string(1, k);
              e.string(2, v == null ? "" : v);
              message(field, e);
            });
  }

  byte[] bytes() {
    return out.toByteArray();
  }
}
