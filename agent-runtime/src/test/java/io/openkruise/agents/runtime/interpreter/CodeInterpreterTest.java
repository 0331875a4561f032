package io.openkruise.agents.runtime.interpreter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.runtime.TestRuntime;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The code-interpreter API over real sockets on IPython (agent-runtime/bin/interpreter-venv's
 * Python; {@link PlainPythonFallbackTest} covers the fallback without IPython).
 */
@io.openkruise.agents.testing.tier.UnitTier
class CodeInterpreterTest {
  @RegisterExtension
  static final TestRuntime rt =
      TestRuntime.perClass(b -> b.codeInterpreter(true).pythonCommand(InterpreterPython.path()));

  static List<JsonNode> execute(String body) throws Exception {
    return execute(rt, body);
  }

  static List<JsonNode> execute(TestRuntime rt, String body) throws Exception {
    HttpResponse<String> r = rt.ciPost("/execute", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    lastKernel = r.headers().firstValue(CodeInterpreterServer.KERNEL_HEADER).orElse(null);
    assertThat(r.body()).endsWith("\n").doesNotContain("\n\n");
    List<JsonNode> events = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      events.add(TestRuntime.JSON.readTree(line));
    }
    assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("end_of_execution");
    return events;
  }

  static String lastKernel;

  /** Without IPython's ANSI colours (kept on the wire, as E2B sends them). */
  static String plain(String traceback) {
    return traceback.replaceAll("\u001b\\[[0-9;]*m", "");
  }

  static List<JsonNode> ofType(List<JsonNode> events, String type) {
    return events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
  }

  static String code(String code) throws Exception {
    return TestRuntime.JSON.writeValueAsString(Map.of("code", code));
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
    assertThat(plain(err.path("traceback").asText())).contains("ValueError: bad value");
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
    HttpResponse<String> r = rt.ciPost("/contexts", "{\"cwd\":\"/tmp\"}");
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

    r = rt.ciPost("/contexts/" + id + "/restart", "");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(execute("{\"code\":\"b\",\"context_id\":\"" + id + "\"}"))
        .anyMatch(e -> e.path("name").asText().equals("NameError"));

    assertThat(rt.delete(rt.ciUrl("/contexts/" + id)).statusCode()).isEqualTo(204);
    r = rt.ciPost("/execute", "{\"code\":\"1\",\"context_id\":\"" + id + "\"}");
    assertThat(r.statusCode()).isEqualTo(404);
  }

  @Test
  void badRequestsAreClearErrors() throws Exception {
    HttpResponse<String> r = rt.ciPost("/execute", "{\"code\":\"1\",\"language\":\"r\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("'r' is not supported");
    r = rt.ciPost("/execute", "{\"code\":\"1\",\"language\":\"python\",\"context_id\":\"x\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    r = rt.ciPost("/execute", "{}");
    assertThat(r.statusCode()).isEqualTo(400);
    r = rt.ciPost("/execute", "nope");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(rt.get(rt.ciUrl("/health")).body()).isEqualTo("OK");
  }

  @Test
  void interpreterCrashIsReportedAndRecovers() throws Exception {
    List<JsonNode> ev = execute("{\"code\":\"import os\\nos._exit(1)\"}");
    assertThat(ev).anyMatch(e -> e.path("name").asText().equals("UnexpectedEndOfExecution"));
    assertThat(stdout(execute("{\"code\":\"print('back')\"}"))).isEqualTo("back\n");
  }

  @Test
  void runsOnIPython() throws Exception {
    List<JsonNode> ev = execute(code("get_ipython().__class__.__name__"));
    assertThat(lastKernel).isEqualTo("ipython");
    assertThat(ofType(ev, "result").get(0).path("text").asText()).isEqualTo("Shell");
  }

  @Test
  void indentedCellsAreDedentedAndMagicsAndShellWork() throws Exception {
    List<JsonNode> ev = execute(code("    x = 20\n    y = x + 1\n    x + y"));
    assertThat(ofType(ev, "error")).isEmpty();
    assertThat(ofType(ev, "result").get(0).path("text").asText()).isEqualTo("41");

    assertThat(stdout(execute(code("!echo shell-$((6 * 7))")))).contains("shell-42");
    ev = execute(code("%time 6 * 7"));
    assertThat(stdout(ev)).contains("Wall time");
    assertThat(ofType(ev, "result").get(0).path("text").asText()).isEqualTo("42");
  }

  @Test
  void strResultsLoseTheirQuotes() throws Exception {
    assertThat(ofType(execute(code("'abc'")), "result").get(0).path("text").asText())
        .isEqualTo("abc");
  }

  @Test
  void displayResultsStreamInOrderBeforeTheMainResult() throws Exception {
    List<JsonNode> ev =
        execute(
            code(
                "from IPython.display import display, HTML, Markdown\n"
                    + "display(HTML('<b>b</b>'))\nprint('between')\n"
                    + "display(Markdown('# m'))\n7"));
    List<String> order =
        ev.stream()
            .map(e -> e.path("type").asText())
            .filter(t -> !t.equals("number_of_executions") && !t.equals("end_of_execution"))
            .toList();
    assertThat(order).containsExactly("result", "stdout", "result", "result");
    List<JsonNode> results = ofType(ev, "result");
    assertThat(results.get(0).path("html").asText()).isEqualTo("<b>b</b>");
    assertThat(results.get(0).path("is_main_result").asBoolean()).isFalse();
    assertThat(results.get(1).path("markdown").asText()).isEqualTo("# m");
    assertThat(results.get(2).path("text").asText()).isEqualTo("7");
    assertThat(results.get(2).path("is_main_result").asBoolean()).isTrue();
  }

  @Test
  void matplotlibFiguresArePngAndChart() throws Exception {
    List<JsonNode> ev =
        execute(
            code(
                "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9], label='sq')\n"
                    + "plt.title('growth')\nplt.xlabel('t [s]')\nplt.show()"));
    assertThat(ofType(ev, "error")).isEmpty();
    List<JsonNode> figs = ofType(ev, "result");
    assertThat(figs).hasSize(1);
    JsonNode fig = figs.get(0);
    assertThat(fig.path("png").asText()).startsWith("iVBORw0KGgo");
    JsonNode chart = fig.path("chart");
    assertThat(chart.path("type").asText()).isEqualTo("line");
    assertThat(chart.path("title").asText()).isEqualTo("growth");
    assertThat(chart.path("x_unit").asText()).isEqualTo("s");
    assertThat(chart.has("y_label")).isTrue();
    assertThat(chart.path("elements").get(0).path("label").asText()).isEqualTo("sq");
    assertThat(chart.path("elements").get(0).path("points").toString())
        .isEqualTo("[[1.0,1.0],[2.0,4.0],[3.0,9.0]]");
  }

  @Test
  void errorsCarryIPythonsTraceback() throws Exception {
    List<JsonNode> ev = execute(code("def boom():\n    return 1 / 0\nboom()"));
    JsonNode err = ofType(ev, "error").get(0);
    assertThat(err.path("name").asText()).isEqualTo("ZeroDivisionError");
    assertThat(err.path("value").asText()).isEqualTo("division by zero");
    String tb = plain(err.path("traceback").asText());
    assertThat(tb).containsPattern("Cell In ?\\[").contains("boom()").contains("ZeroDivisionError");
  }

  @Test
  void aClientThatGoesAwayInterruptsTheCell() throws Exception {
    execute(code("kept = 'state'"));
    byte[] body = code("import time\ntime.sleep(600)").getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket("127.0.0.1", rt.runtime.codeInterpreterPort())) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.contains("number_of_executions")) {
        // headers and chunk sizes
      }
      assertThat(line).isNotNull();
    }
    // Without the interrupt this would wait for the 600 s sleep (and time out); state survives.
    List<JsonNode> ev = execute(code("kept"));
    assertThat(ofType(ev, "result").get(0).path("text").asText()).isEqualTo("state");
  }
}
