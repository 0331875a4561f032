package io.openkruise.agents.envd.csi;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of a CSI {@code NodePublishVolumeRequest} the mount helper uses, and their protobuf
 * encoding (the helper's {@code --config}): the manager encodes it, the runtime's helper decodes
 * it. Written by hand: a handful of fields do not justify a protobuf dependency. Pure.
 */
public record NodePublishRequest(
    String volumeId,
    Map<String, String> publishContext,
    String stagingTargetPath,
    String targetPath,
    String fsType,
    List<String> mountFlags,
    int accessMode,
    boolean readonly,
    Map<String, String> secrets,
    Map<String, String> volumeContext) {

  /** CSI {@code VolumeCapability.AccessMode.Mode} values. */
  public static final int MULTI_NODE_READER_ONLY = 3;

  public static final int MULTI_NODE_MULTI_WRITER = 5;

  public String base64() {
    return Base64.getEncoder().encodeToString(encode());
  }

  public byte[] encode() {
    ProtoWriter w = new ProtoWriter();
    w.string(1, volumeId);
    w.map(2, publishContext);
    w.optionalString(3, stagingTargetPath);
    w.string(4, targetPath);
    ProtoWriter mount = new ProtoWriter();
    mount.optionalString(1, fsType);
    for (String flag : mountFlags) {
      mount.string(2, flag);
    }
    ProtoWriter mode = new ProtoWriter();
    mode.varint(1, accessMode);
    ProtoWriter capability = new ProtoWriter();
    capability.message(2, mount);
    capability.message(3, mode);
    w.message(5, capability);
    if (readonly) {
      w.varint(6, 1);
    }
    w.map(7, secrets);
    w.map(8, volumeContext);
    return w.bytes();
  }

  /**
   * Decodes base64 (standard or URL alphabet) protobuf.
   *
   * @throws IllegalArgumentException with a readable reason
   */
  public static NodePublishRequest fromBase64(String b64) {
    byte[] bytes;
    String s = b64.trim();
    try {
      bytes = Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      try {
        bytes = Base64.getUrlDecoder().decode(s);
      } catch (IllegalArgumentException e2) {
        throw new IllegalArgumentException("config is not valid base64");
      }
    }
    return parse(bytes);
  }

  public static NodePublishRequest parse(byte[] bytes) {
    ProtoReader r = new ProtoReader(bytes);
    String volumeId = "";
    String staging = "";
    String target = "";
    String fsType = "";
    List<String> flags = new ArrayList<>();
    int accessMode = 0;
    boolean readonly = false;
    Map<String, String> publish = new LinkedHashMap<>();
    Map<String, String> secrets = new LinkedHashMap<>();
    Map<String, String> volumeContext = new LinkedHashMap<>();
    while (r.hasMore()) {
      int tag = r.readTag();
      int field = tag >>> 3;
      int wire = tag & 7;
      switch (field) {
        case 1 -> volumeId = string(r, wire, "volume_id");
        case 2 -> mapEntry(r, wire, publish);
        case 3 -> staging = string(r, wire, "staging_target_path");
        case 4 -> target = string(r, wire, "target_path");
        case 5 -> {
          expect(wire, ProtoReader.LENGTH_DELIMITED, "volume_capability");
          ProtoReader cap = r.readMessage();
          while (cap.hasMore()) {
            int ct = cap.readTag();
            int cf = ct >>> 3;
            int cw = ct & 7;
            if (cf == 2 && cw == ProtoReader.LENGTH_DELIMITED) {
              ProtoReader mount = cap.readMessage();
              while (mount.hasMore()) {
                int mt = mount.readTag();
                if ((mt >>> 3) == 1 && (mt & 7) == ProtoReader.LENGTH_DELIMITED) {
                  fsType = mount.readString();
                } else if ((mt >>> 3) == 2 && (mt & 7) == ProtoReader.LENGTH_DELIMITED) {
                  flags.add(mount.readString());
                } else {
                  mount.skip(mt & 7);
                }
              }
            } else if (cf == 3 && cw == ProtoReader.LENGTH_DELIMITED) {
              ProtoReader mode = cap.readMessage();
              while (mode.hasMore()) {
                int at = mode.readTag();
                if ((at >>> 3) == 1 && (at & 7) == ProtoReader.VARINT) {
                  accessMode = (int) mode.readVarint();
                } else {
                  mode.skip(at & 7);
                }
              }
            } else {
              cap.skip(cw);
            }
          }
        }
        case 6 -> {
          expect(wire, ProtoReader.VARINT, "readonly");
          readonly = r.readVarint() != 0;
        }
        case 7 -> mapEntry(r, wire, secrets);
        case 8 -> mapEntry(r, wire, volumeContext);
        default -> r.skip(wire);
      }
    }
    return new NodePublishRequest(
        volumeId,
        publish,
        staging,
        target,
        fsType,
        flags,
        accessMode,
        readonly,
        secrets,
        volumeContext);
  }

  private static void expect(int wire, int expected, String field) {
    if (wire != expected) {
      throw new IllegalArgumentException("field " + field + " has wire type " + wire);
    }
  }

  private static String string(ProtoReader r, int wire, String field) {
    expect(wire, ProtoReader.LENGTH_DELIMITED, field);
    return r.readString();
  }

  private static void mapEntry(ProtoReader r, int wire, Map<String, String> into) {
    expect(wire, ProtoReader.LENGTH_DELIMITED, "map entry");
    ProtoReader e = r.readMessage();
    String k = "";
    String v = "";
    while (e.hasMore()) {
      int t = e.readTag();
      if ((t >>> 3) == 1 && (t & 7) == ProtoReader.LENGTH_DELIMITED) {
        k = e.readString();
      } else if ((t >>> 3) == 2 && (t & 7) == ProtoReader.LENGTH_DELIMITED) {
        v = e.readString();
      } else {
        e.skip(t & 7);
      }
    }
    into.put(k, v);
  }
}
