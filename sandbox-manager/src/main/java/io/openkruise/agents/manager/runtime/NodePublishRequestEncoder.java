package io.openkruise.agents.manager.runtime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Encodes a CSI {@code NodePublishVolumeRequest} as protobuf (the mount helper's {@code --config}),
 * by hand: six fields do not justify a protobuf dependency.
 */
public final class NodePublishRequestEncoder {

  /** CSI {@code VolumeCapability.AccessMode.Mode} values. */
  public static final int MULTI_NODE_READER_ONLY = 3;

  public static final int MULTI_NODE_MULTI_WRITER = 5;

  private NodePublishRequestEncoder() {}

  /** The fields the manager fills. */
  public record Request(
      String volumeId,
      String targetPath,
      String fsType,
      List<String> mountFlags,
      int accessMode,
      boolean readonly,
      Map<String, String> secrets,
      Map<String, String> volumeContext) {}

  public static String base64(Request r) {
    return Base64.getEncoder().encodeToString(encode(r));
  }

  public static byte[] encode(Request r) {
    Writer w = new Writer();
    w.string(1, r.volumeId());
    w.string(4, r.targetPath());
    Writer mount = new Writer();
    if (r.fsType() != null && !r.fsType().isEmpty()) {
      mount.string(1, r.fsType());
    }
    for (String flag : r.mountFlags()) {
      mount.string(2, flag);
    }
    Writer mode = new Writer();
    mode.varint(1, r.accessMode());
    Writer capability = new Writer();
    capability.message(2, mount);
    capability.message(3, mode);
    w.message(5, capability);
    if (r.readonly()) {
      w.varint(6, 1);
    }
    w.map(7, r.secrets());
    w.map(8, r.volumeContext());
    return w.bytes();
  }

  private static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void tag(int field, int wire) {
      raw((field << 3) | wire);
    }

    void raw(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    void varint(int field, long v) {
      tag(field, 0);
      raw(v);
    }

    void bytes(int field, byte[] b) {
      tag(field, 2);
      raw(b.length);
      out.writeBytes(b);
    }

    void string(int field, String s) {
      bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    void message(int field, Writer m) {
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
                Writer e = new Writer();
                e.string(1, k);
                e.string(2, v == null ? "" : v);
                message(field, e);
              });
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
