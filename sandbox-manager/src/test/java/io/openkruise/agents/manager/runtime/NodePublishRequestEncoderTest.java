package io.openkruise.agents.manager.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.runtime.csi.NodePublishRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Our hand-written protobuf, read back by agent-runtime's decoder (the consumer). */
class NodePublishRequestEncoderTest {

  @Test
  void roundTripsThroughTheRuntimeDecoder() {
    var req =
        new NodePublishRequestEncoder.Request(
            "pv-data-abc123",
            "/mnt/data",
            "ext4",
            List.of("noatime", "nodev"),
            NodePublishRequestEncoder.MULTI_NODE_READER_ONLY,
            true,
            Map.of("user", "u", "password", "p w"),
            Map.of("bucket", "b1", "ünï", "cödé"));

    NodePublishRequest decoded =
        NodePublishRequest.fromBase64(NodePublishRequestEncoder.base64(req));

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
        new NodePublishRequestEncoder.Request(
            "v-x", "/w", null, List.of(), 5, false, Map.of(), Map.of());
    NodePublishRequest decoded = NodePublishRequest.parse(NodePublishRequestEncoder.encode(req));
    assertThat(decoded.readonly()).isFalse();
    assertThat(decoded.accessMode()).isEqualTo(5);
    assertThat(decoded.secrets()).isEmpty();
  }
}
