package io.openkruise.agents.runtime.interpreter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.Json;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.Set;

/**
 * Builds the NDJSON lines of {@code POST /execute}. Pure: every line is one JSON object followed by
 * {@code \n}, never a blank line (the Python SDK parses each line).
 */
public final class ExecutionEvents {
  /** Keys a {@code result} line may carry besides {@code type} and {@code is_main_result}. */
  static final Set<String> RESULT_KEYS =
      Set.of(
          "text",
          "html",
          "markdown",
          "svg",
          "png",
          "jpeg",
          "pdf",
          "latex",
          "json",
          "javascript",
          "data",
          "chart",
          "extra");

  private ExecutionEvents() {}

  public static Buffer line(ObjectNode event) {
    return Json.toBuffer(event).appendString("\n");
  }

  public static ObjectNode numberOfExecutions(int count) {
    ObjectNode e = Json.object();
    e.put("type", "number_of_executions");
    e.put("execution_count", count);
    return e;
  }

  public static ObjectNode output(String stream, String text, Instant at) {
    ObjectNode e = Json.object();
    e.put("type", stream);
    e.put("text", text);
    e.put("timestamp", at.toString());
    return e;
  }

  public static ObjectNode error(String name, String value, String traceback) {
    ObjectNode e = Json.object();
    e.put("type", "error");
    e.put("name", name);
    e.put("value", value);
    e.put("traceback", traceback);
    return e;
  }

  public static ObjectNode endOfExecution() {
    ObjectNode e = Json.object();
    e.put("type", "end_of_execution");
    return e;
  }

  public static ObjectNode keepalive() {
    ObjectNode e = Json.object();
    e.put("type", "keepalive");
    return e;
  }

  /**
   * Converts one driver event into the client's event, or null when it is internal. Unknown MIME
   * keys of a result are moved under {@code extra}.
   */
  public static ObjectNode fromDriver(JsonNode ev, Instant now) {
    String type = ev.path("type").asText("");
    switch (type) {
      case "stdout", "stderr":
        return output(type, ev.path("text").asText(""), now);
      case "error":
        return error(
            ev.path("name").asText("Error"),
            ev.path("value").asText(""),
            ev.path("traceback").asText(""));
      case "result":
        ObjectNode r = Json.object();
        r.put("type", "result");
        r.put("is_main_result", ev.path("is_main_result").asBoolean(false));
        ObjectNode extra = null;
        var it = ev.fields();
        while (it.hasNext()) {
          var f = it.next();
          String k = f.getKey();
          if (k.equals("type") || k.equals("is_main_result")) {
            continue;
          }
          if (RESULT_KEYS.contains(k)) {
            r.set(k, f.getValue());
          } else {
            if (extra == null) {
              extra = r.putObject("extra");
            }
            extra.set(k, f.getValue());
          }
        }
        return r;
      default:
        return null;
    }
  }
}
