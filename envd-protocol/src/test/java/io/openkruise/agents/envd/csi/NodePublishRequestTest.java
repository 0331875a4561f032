package io.openkruise.agents.envd.csi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The manager's encoding, read back by the runtime's decoder (the consumer). */
@io.openkruise.agents.testing.tier.UnitTier
class NodePublishRequestTest {

  @Test
  void roundTripsThroughTheDecoder() {
    var req =
        new NodePublishRequest(
            "pv-data-abc123",
            Map.of(),
            "",
            "/mnt/data",
            "ext4",
            List.of("noatime", "nodev"),
            NodePublishRequest.MULTI_NODE_READER_ONLY,
            true,
            Map.of("user", "u", "password", "p w"),
            Map.of("bucket", "b1", "ünï", "cödé"));

    NodePublishRequest decoded = NodePublishRequest.fromBase64(req.base64());

    assertThat(decoded.volumeId()).isEqualTo("pv-data-abc123");
    assertThat(decoded.targetPath()).isEqualTo("/mnt/data");
    assertThat(decoded.fsType()).isEqualTo("ext4");
    assertThat(decoded.mountFlags()).containsExactly("noatime", "nodev");
    assertThat(decoded.accessMode()).isEqualTo(3);
    assertThat(decoded.readonly()).isTrue();
    assertThat(decoded.secrets()).isEqualTo(Map.of("user", "u", "password", "p w"));
    assertThat(decoded.volumeContext()).isEqualTo(Map.of("bucket", "b1", "ünï", "cödé"));
  }

  @Test
  void writableVolumeWithoutOptionalFields() {
    var req =
        new NodePublishRequest(
            "v-x", Map.of(), "", "/w", null, List.of(), 5, false, Map.of(), Map.of());
    NodePublishRequest decoded = NodePublishRequest.parse(req.encode());
    assertThat(decoded.readonly()).isFalse();
    assertThat(decoded.accessMode()).isEqualTo(5);
    assertThat(decoded.secrets()).isEmpty();
  }

  @Test
  void encodesTheGoldenBytes() {
    // volume_id=1 "v", target_path=4 "/t", volume_capability=5 {mount=2 {fs_type "x"},
    // access_mode=3 {mode=5}}, readonly=6 true, secrets=7 {"k": "s"}.
    var req =
        new NodePublishRequest(
            "v", Map.of(), "", "/t", "x", List.of(), 5, true, Map.of("k", "s"), null);
    assertThat(HexFormat.of().formatHex(req.encode()))
        .isEqualTo(
            "0a0176"
                + "22022f74"
                + "2a09"
                + "1203"
                + "0a0178"
                + "1a02"
                + "0805"
                + "3001"
                + "3a06"
                + "0a016b"
                + "120173");
  }
}
