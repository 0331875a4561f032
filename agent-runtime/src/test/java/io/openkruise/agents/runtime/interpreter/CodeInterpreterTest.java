package io.openkruise.agents.runtime.interpreter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.runtime.TestRuntime;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The code-interpreter API over real sockets with a real python3. */
@io.openkruise.agents.testing.tier.UnitTier
class CodeInterpreterTest {
  static TestRuntime rt;

  @BeforeAll
  static void start() throws Exception {
    rt = TestRuntime.start(true);
  }

  @AfterAll
  static void stop() throws Exception {
    rt.close();
  }

  static List<JsonNode> execute(String body) throws Exception {
    HttpResponse<String> r = rt.post(rt.ciUrl("/execute"), "application/json", body.getBytes());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).endsWith("\n").doesNotContain("\n\n");
    List<JsonNode> events = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      events.add(TestRuntime.JSON.readTree(line));
    }
    assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("end_of_execution");
    return events;
  }

  static String stdout(List<JsonNode> events) {
    StringBuilder sb = new StringBuilder();
    events.stream()
        .filter(e -> e.path("type").asText().equals("stdout"))
        .forEach(e -> sb.append(e.path("text").asText()));
    return sb.toString();
  }

  @Test
  void stateSurvivesBetweenExecutions() throws Exception {
    List<JsonNode> first = execute("{\"code\":\"a = 1\"}");
    assertThat(first.get(0).path("type").asText()).isEqualTo("number_of_executions");
    List<JsonNode> second = execute("{\"code\":\"print(a)\"}");
    assertThat(stdout(second)).isEqualTo("1\n");
    JsonNode out =
        second.stream().filter(e -> e.path("type").asText().equals("stdout")).findFirst().get();
    assertThat(out.path("timestamp").asText()).endsWith("Z");
  }

  @Test
  void resultErrorAndStderr() throws Exception {
    List<JsonNode> ev =
        execute("{\"code\":\"import sys\\nsys.stderr.write('warn\\\\n')\\n1 + 1\"}");
    JsonNode result =
        ev.stream().filter(e -> e.path("type").asText().equals("result")).findFirst().get();
    assertThat(result.path("text").asText()).isEqualTo("2");
    assertThat(result.path("is_main_result").asBoolean()).isTrue();
    assertThat(ev.stream().filter(e -> e.path("type").asText().equals("stderr")))
        .anyMatch(e -> e.path("text").asText().equals("warn\n"));

    ev = execute("{\"code\":\"raise ValueError('bad value')\"}");
    JsonNode err =
        ev.stream().filter(e -> e.path("type").asText().equals("error")).findFirst().get();
    assertThat(err.path("name").asText()).isEqualTo("ValueError");
    assertThat(err.path("value").asText()).isEqualTo("bad value");
    assertThat(err.path("traceback").asText()).contains("ValueError: bad value");
  }

  @Test
  void htmlReprIsPartOfTheMimeBundle() throws Exception {
    String code =
        "class T:\\n  def _repr_html_(self): return '<b>t</b>'\\n  def __repr__(self): return"
            + " 'T()'\\nT()";
    List<JsonNode> ev = execute("{\"code\":\"" + code + "\"}");
    JsonNode result =
        ev.stream().filter(e -> e.path("type").asText().equals("result")).findFirst().get();
    assertThat(result.path("text").asText()).isEqualTo("T()");
    assertThat(result.path("html").asText()).isEqualTo("<b>t</b>");
  }

  @Test
  void envVarsApplyToOneExecution() throws Exception {
    List<JsonNode> ev =
        execute(
            "{\"code\":\"import os\\nprint(os.environ.get('X_ONE'))\","
                + "\"env_vars\":{\"X_ONE\":\"yes\"}}");
    assertThat(stdout(ev)).isEqualTo("yes\n");
    ev = execute("{\"code\":\"import os\\nprint(os.environ.get('X_ONE'))\"}");
    assertThat(stdout(ev)).isEqualTo("None\n");
  }

  @Test
  void contextsAreIsolatedRestartableAndRemovable() throws Exception {
    HttpResponse<String> r =
        rt.post(rt.ciUrl("/contexts"), "application/json", "{\"cwd\":\"/tmp\"}".getBytes());
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode ctx = TestRuntime.JSON.readTree(r.body());
    String id = ctx.path("id").asText();
    assertThat(ctx.path("language").asText()).isEqualTo("python");
    assertThat(ctx.path("cwd").asText()).isEqualTo("/tmp");

    execute("{\"code\":\"b = 42\",\"context_id\":\"" + id + "\"}");
    assertThat(stdout(execute("{\"code\":\"print(b)\",\"context_id\":\"" + id + "\"}")))
        .isEqualTo("42\n");
    assertThat(
            stdout(
                execute(
                    "{\"code\":\"import os\\nprint(os.getcwd())\",\"context_id\":\"" + id + "\"}")))
        .isEqualTo(rt.root.resolve("tmp").toRealPath() + "\n");
    // The default context does not see it.
    List<JsonNode> other = execute("{\"code\":\"b\"}");
    assertThat(other).anyMatch(e -> e.path("name").asText().equals("NameError"));

    r = rt.get(rt.ciUrl("/contexts"));
    assertThat(TestRuntime.JSON.readTree(r.body()).findValuesAsText("id")).contains(id);

    r = rt.post(rt.ciUrl("/contexts/" + id + "/restart"), "application/json", new byte[0]);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(execute("{\"code\":\"b\",\"context_id\":\"" + id + "\"}"))
        .anyMatch(e -> e.path("name").asText().equals("NameError"));

    assertThat(rt.delete(rt.ciUrl("/contexts/" + id)).statusCode()).isEqualTo(204);
    r =
        rt.post(
            rt.ciUrl("/execute"),
            "application/json",
            ("{\"code\":\"1\",\"context_id\":\"" + id + "\"}").getBytes());
    assertThat(r.statusCode()).isEqualTo(404);
  }

  @Test
  void badRequestsAreClearErrors() throws Exception {
    HttpResponse<String> r =
        rt.post(
            rt.ciUrl("/execute"),
            "application/json",
            "{\"code\":\"1\",\"language\":\"r\"}".getBytes());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("'r' is not supported");
    r =
        rt.post(
            rt.ciUrl("/execute"),
            "application/json",
            "{\"code\":\"1\",\"language\":\"python\",\"context_id\":\"x\"}".getBytes());
    assertThat(r.statusCode()).isEqualTo(400);
    r = rt.post(rt.ciUrl("/execute"), "application/json", "{}".getBytes());
    assertThat(r.statusCode()).isEqualTo(400);
    r = rt.post(rt.ciUrl("/execute"), "application/json", "nope".getBytes());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(rt.get(rt.ciUrl("/health")).body()).isEqualTo("OK");
  }

  @Test
  void interpreterCrashIsReportedAndRecovers() throws Exception {
    List<JsonNode> ev = execute("{\"code\":\"import os\\nos._exit(1)\"}");
    assertThat(ev).anyMatch(e -> e.path("name").asText().equals("UnexpectedEndOfExecution"));
    assertThat(stdout(execute("{\"code\":\"print('back')\"}"))).isEqualTo("back\n");
  }
}
