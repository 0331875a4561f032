package io.openkruise.agents.manager.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.openkruise.agents.manager.e2b.E2bException;

/** Request bodies are read as text and parsed here, so malformed JSON is a clean 400. */
final class Bodies {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Bodies() {}

  /** An optional JSON object body: empty text reads as {@code {}}. */
  static JsonNode object(String body) {
    if (body == null || body.isBlank()) {
      return JsonNodeFactory.instance.objectNode();
    }
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw E2bException.badRequest("malformed JSON body: " + e.getOriginalMessage());
    }
    if (node == null || node.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!node.isObject()) {
      throw E2bException.badRequest("request body must be a JSON object");
    }
    return node;
  }

  /** Bodies some SDK versions send and the server ignores (pause): never an error. */
  static JsonNode lenient(String body) {
    try {
      return object(body);
    } catch (E2bException e) {
      return JsonNodeFactory.instance.objectNode();
    }
  }
}
