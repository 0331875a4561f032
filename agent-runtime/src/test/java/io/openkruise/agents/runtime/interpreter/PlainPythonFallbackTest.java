package io.openkruise.agents.runtime.interpreter;

import static io.openkruise.agents.runtime.interpreter.CodeInterpreterTest.code;
import static io.openkruise.agents.runtime.interpreter.CodeInterpreterTest.ofType;
import static io.openkruise.agents.runtime.interpreter.CodeInterpreterTest.stdout;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.runtime.TestRuntime;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The documented fallback where the sandbox's Python has no IPython: a plain exec() REPL. */
@io.openkruise.agents.testing.tier.UnitTier
class PlainPythonFallbackTest {
  @RegisterExtension
  static final TestRuntime rt =
      TestRuntime.perClass(
          b ->
              b.codeInterpreter(true)
                  .pythonCommand(
                      InterpreterPython.withoutSitePackages(
                          Files.createTempDirectory("plain-python"))));

  static List<JsonNode> execute(String body) throws Exception {
    return CodeInterpreterTest.execute(rt, body);
  }

  @Test
  void saysWhichInterpreterRan() throws Exception {
    execute(code("1"));
    assertThat(CodeInterpreterTest.lastKernel).isEqualTo("python");
  }

  @Test
  void resultsDisplayAndErrorsStillHaveE2BsShape() throws Exception {
    List<JsonNode> ev = execute(code("display('shown')\nprint('out')\n'abc'"));
    List<JsonNode> results = ofType(ev, "result");
    assertThat(results).hasSize(2);
    assertThat(results.get(0).path("text").asText()).isEqualTo("shown");
    assertThat(results.get(0).path("is_main_result").asBoolean()).isFalse();
    assertThat(results.get(1).path("text").asText()).isEqualTo("abc");
    assertThat(results.get(1).path("is_main_result").asBoolean()).isTrue();
    assertThat(stdout(ev)).isEqualTo("out\n");

    JsonNode err = ofType(execute(code("1 / 0")), "error").get(0);
    assertThat(err.path("name").asText()).isEqualTo("ZeroDivisionError");
    assertThat(err.path("traceback").asText()).contains("ZeroDivisionError: division by zero");
  }

  @Test
  void indentedCellsAreWhatThePlainReplDoesNotDo() throws Exception {
    // The difference the fallback keeps (documented in docs/agent-runtime.md).
    assertThat(ofType(execute(code("    1")), "error").get(0).path("name").asText())
        .isEqualTo("IndentationError");
  }
}
