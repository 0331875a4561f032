package io.openkruise.agents.runtime.interpreter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ExecutionEventsTest {
  static final ObjectMapper M = new ObjectMapper();

  @Test
  void linesAreSingleJsonObjectsEndingInNewline() {
    String line = ExecutionEvents.line(ExecutionEvents.numberOfExecutions(3)).toString();
    assertThat(line).isEqualTo("{\"type\":\"number_of_executions\",\"execution_count\":3}\n");
    assertThat(ExecutionEvents.line(ExecutionEvents.endOfExecution()).toString())
        .isEqualTo("{\"type\":\"end_of_execution\"}\n");
  }

  @Test
  void convertsDriverEvents() throws Exception {
    Instant at = Instant.parse("2024-01-02T03:04:05Z");
    JsonNode out =
        ExecutionEvents.fromDriver(M.readTree("{\"type\":\"stdout\",\"text\":\"hi\"}"), at);
    assertThat(out.toString())
        .isEqualTo("{\"type\":\"stdout\",\"text\":\"hi\",\"timestamp\":\"2024-01-02T03:04:05Z\"}");
    JsonNode res =
        ExecutionEvents.fromDriver(
            M.readTree(
                "{\"type\":\"result\",\"is_main_result\":true,\"text\":\"2\",\"png\":\"AA==\","
                    + "\"application/x-custom\":1}"),
            at);
    assertThat(res.path("text").asText()).isEqualTo("2");
    assertThat(res.path("png").asText()).isEqualTo("AA==");
    assertThat(res.path("extra").path("application/x-custom").asInt()).isEqualTo(1);
    JsonNode err =
        ExecutionEvents.fromDriver(M.readTree("{\"type\":\"error\",\"name\":\"E\"}"), at);
    assertThat(err.has("value")).isTrue();
    assertThat(err.has("traceback")).isTrue();
    assertThat(ExecutionEvents.fromDriver(M.readTree("{\"type\":\"done\"}"), at)).isNull();
  }

  @Test
  void languageAliases() {
    assertThat(CodeInterpreterServer.language(null)).isEqualTo("python");
    assertThat(CodeInterpreterServer.language("Python3")).isEqualTo("python");
    assertThat(CodeInterpreterServer.language("js")).isEqualTo("javascript");
  }

  @Test
  void mimeBundlesBecomeE2BResultKeys() throws Exception {
    JsonNode res =
        ExecutionEvents.fromDriver(
            M.readTree(
                "{\"type\":\"result\",\"is_main_result\":false,\"data\":{"
                    + "\"text/plain\":\"'abc'\",\"image/png\":\"AA==\",\"e2b/chart\":{\"type\":\"line\"},"
                    + "\"e2b/data\":{\"a\":[1]},\"application/json\":{\"k\":1},"
                    + "\"application/vnd.custom\":\"x\",\"text/html\":null}}"),
            Instant.EPOCH);
    assertThat(res.path("text").asText()).isEqualTo("abc");
    assertThat(res.path("png").asText()).isEqualTo("AA==");
    assertThat(res.path("chart").path("type").asText()).isEqualTo("line");
    assertThat(res.path("data").path("a").get(0).asInt()).isEqualTo(1);
    assertThat(res.path("json").path("k").asInt()).isEqualTo(1);
    assertThat(res.path("extra").path("application/vnd.custom").asText()).isEqualTo("x");
    assertThat(res.has("html")).isFalse();
    assertThat(res.path("is_main_result").asBoolean()).isFalse();
    assertThat(ExecutionEvents.unquote("\"q\"")).isEqualTo("q");
    assertThat(ExecutionEvents.unquote("'")).isEqualTo("'");
    assertThat(ExecutionEvents.unquote("{'a': 1}")).isEqualTo("{'a': 1}");
  }
}
