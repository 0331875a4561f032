package io.openkruise.agents.runtime.interpreter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.Json;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Builds the NDJSON lines of {@code POST /execute}. Pure: every line is one JSON object followed by
 * {@code \n}, never a blank line (the Python SDK parses each line).
 */
public final class ExecutionEvents {
  /**
   * MIME type of a Jupyter bundle to the key of E2B's result line, as E2B's code-interpreter server
   * maps them; what is not listed goes under {@code extra}.
   */
  static final Map<String, String> MIME_KEYS =
      Map.ofEntries(
          Map.entry("text/plain", "text"),
          Map.entry("text/html", "html"),
          Map.entry("text/markdown", "markdown"),
          Map.entry("image/svg+xml", "svg"),
          Map.entry("image/png", "png"),
          Map.entry("image/jpeg", "jpeg"),
          Map.entry("application/pdf", "pdf"),
          Map.entry("text/latex", "latex"),
          Map.entry("application/json", "json"),
          Map.entry("application/javascript", "javascript"),
          Map.entry("e2b/data", "data"),
          Map.entry("e2b/chart", "chart"));

  /** Keys a {@code result} line may carry besides {@code type} and {@code is_main_result}. */
  static final Set<String> RESULT_KEYS = resultKeys();

  private ExecutionEvents() {}

  private static Set<String> resultKeys() {
    Set<String> keys = new HashSet<>(MIME_KEYS.values());
    keys.add("extra");
    return Set.copyOf(keys);
  }

  /**
   * A result line from a MIME bundle (display_data or execute_result). A quoted {@code text/plain}
   * (the repr of a str) loses its quotes, as in E2B; null values are left out.
   */
  public static ObjectNode result(JsonNode bundle, boolean main) {
    ObjectNode r = Json.object();
    r.put("type", "result");
    ObjectNode extra = null;
    for (var it = bundle.fields(); it.hasNext(); ) {
      var f = it.next();
      if (f.getValue().isNull()) {
        continue;
      }
      String key = MIME_KEYS.get(f.getKey());
      if (key == null) {
        if (extra == null) {
          extra = Json.object();
        }
        extra.set(f.getKey(), f.getValue());
      } else if (key.equals("text") && f.getValue().isTextual()) {
        r.put(key, unquote(f.getValue().asText()));
      } else {
        r.set(key, f.getValue());
      }
    }
    if (extra != null) {
      r.set("extra", extra);
    }
    r.put("is_main_result", main);
    return r;
  }

  static String unquote(String text) {
    if (text.length() >= 2
        && ((text.startsWith("'") && text.endsWith("'"))
            || (text.startsWith("\"") && text.endsWith("\"")))) {
      return text.substring(1, text.length() - 1);
    }
    return text;
  }

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
        if (ev.path("data").isObject()) {
          return result(ev.get("data"), ev.path("is_main_result").asBoolean(false));
        }
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
