package io.openkruise.agents.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.runtime.TestRuntime;
import io.openkruise.agents.runtime.TestRuntime.Frame;
import io.openkruise.agents.runtime.TestRuntime.Stream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A runtime that shuts down (its pod is deleted: the sandbox was killed, paused or timed out) ends
 * the open process streams with Connect's {@code unavailable}, which the E2B SDKs report as the
 * sandbox being gone, not with a normal "signal: killed" end or a dropped connection.
 */
@io.openkruise.agents.testing.tier.UnitTier
class ProcessShutdownTest {

  @Test
  void openStreamsEndWithUnavailableWhenTheRuntimeCloses() throws Exception {
    TestRuntime rt = TestRuntime.start(false);
    try (Stream s = rt.startProcess("echo up; sleep 300", Map.of())) {
      assertThat(s.next().message().path("event").has("start")).isTrue();
      assertThat(s.next().message().path("event").has("data")).isTrue();
      rt.runtime.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      List<Frame> rest = s.rest();
      Frame last = rest.get(rest.size() - 1);
      assertThat(last.end()).isTrue();
      JsonNode error = last.message().path("error");
      assertThat(error.path("code").asText()).isEqualTo("unavailable");
      assertThat(error.path("message").asText()).isEqualTo(ProcessService.SHUTDOWN_MESSAGE);
      assertThat(rest.stream().anyMatch(f -> f.message().path("event").has("end"))).isFalse();
    } finally {
      rt.close();
    }
  }
}
