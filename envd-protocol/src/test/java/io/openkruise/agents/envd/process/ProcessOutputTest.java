package io.openkruise.agents.envd.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.envd.connect.ConnectEnvelope;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ProcessOutputTest {

  @Test
  void startRequestIsOneEnvelopeOfJson() {
    var messages =
        ConnectEnvelope.readAll(ProcessStart.request("/bin/echo", List.of("hi"), Map.of("A", "1")));
    assertThat(messages).hasSize(1);
    assertThat(messages.get(0).text())
        .isEqualTo(
            "{\"process\":{\"cmd\":\"/bin/echo\",\"args\":[\"hi\"],\"envs\":{\"A\":\"1\"}}}");
    assertThat(ConnectEnvelope.readAll(ProcessStart.request("/bin/true", List.of())).get(0).text())
        .isEqualTo("{\"process\":{\"cmd\":\"/bin/true\",\"args\":[]}}");
  }

  @Test
  void collectsOutputExitCodeAndError() throws Exception {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(ConnectEnvelope.encode("{\"event\":{\"start\":{\"pid\":7}}}"));
    body.writeBytes(
        ConnectEnvelope.encode("{\"event\":{\"data\":{\"stdout\":\"" + b64("out\n") + "\"}}}"));
    body.writeBytes(
        ConnectEnvelope.encode("{\"event\":{\"data\":{\"stderr\":\"" + b64("err") + "\"}}}"));
    body.writeBytes(
        ConnectEnvelope.encode("{\"event\":{\"end\":{\"exitCode\":3,\"exited\":true}}}"));
    body.writeBytes(ConnectEnvelope.encode(ConnectEnvelope.FLAG_END_STREAM, "{}".getBytes()));
    assertThat(ProcessOutput.of(body.toByteArray()))
        .isEqualTo(new ProcessOutput(3, "out\n", "err", null));

    byte[] failed =
        ConnectEnvelope.encode(
            ConnectEnvelope.FLAG_END_STREAM,
            "{\"error\":{\"code\":\"unauthenticated\",\"message\":\"no\"}}".getBytes());
    assertThat(ProcessOutput.of(failed))
        .isEqualTo(new ProcessOutput(null, "", "", "runtime error: no"));
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
