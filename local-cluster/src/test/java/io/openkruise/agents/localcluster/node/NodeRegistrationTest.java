package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class NodeRegistrationTest {

  @Test
  void aRegisteredNodeIsReadyWithoutPressureAndHasRoomForAnyPod() throws Exception {
    Instant now = Instant.parse("2026-11-23T10:00:00.750Z");

    JsonNode status =
        new ObjectMapper()
            .readTree(NodeRegistration.statusPatch("n1", "v1.37.2", "6.8.0", 10250, now))
            .path("status");

    assertThat(status.path("capacity").path("pods").asText()).isEqualTo("1000");
    assertThat(status.path("allocatable")).isEqualTo(status.path("capacity"));
    assertThat(status.path("conditions")).hasSize(4);
    for (JsonNode c : status.path("conditions")) {
      String expected = c.path("type").asText().equals("Ready") ? "True" : "False";
      assertThat(c.path("status").asText()).as(c.path("type").asText()).isEqualTo(expected);
      assertThat(c.path("lastHeartbeatTime").asText()).isEqualTo("2026-11-23T10:00:00Z");
    }
    assertThat(status.path("addresses").get(0).path("address").asText()).isEqualTo("127.0.0.1");
    assertThat(status.path("addresses").get(1).path("address").asText()).isEqualTo("n1");
    assertThat(status.path("nodeInfo").path("kubeletVersion").asText()).isEqualTo("v1.37.2");
    assertThat(status.path("nodeInfo").path("kernelVersion").asText()).isEqualTo("6.8.0");
    // Where the API server's pods/log finds the node's container logs.
    assertThat(status.path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt())
        .isEqualTo(10250);
  }
}
