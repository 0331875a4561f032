package io.openkruise.agents.runtime.connect;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Shared Jackson mapper and small helpers for proto3-JSON messages. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Json() {}

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Parses a request message; an empty body is the empty message, as proto3 allows. */
  public static ObjectNode parseMessage(Buffer body) {
    if (body.length() == 0) {
      return object();
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(body.getBytes());
    } catch (IOException e) {
      throw ConnectException.invalidArgument("request is not valid JSON: " + e.getMessage());
    }
    if (node == null || node.isMissingNode() || node.isNull()) {
      return object();
    }
    if (!node.isObject()) {
      throw ConnectException.invalidArgument("request message must be a JSON object");
    }
    return (ObjectNode) node;
  }

  public static Buffer toBuffer(Object value) {
    try {
      return Buffer.buffer(MAPPER.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a proto3 uint32/int64 that may arrive as a JSON number or string. */
  public static long longValue(JsonNode node, long fallback) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return fallback;
    }
    if (node.isNumber()) {
      return node.asLong();
    }
    if (node.isTextual()) {
      try {
        return Long.parseLong(node.asText().trim());
      } catch (NumberFormatException e) {
        throw ConnectException.invalidArgument("not an integer: " + node.asText());
      }
    }
    throw ConnectException.invalidArgument("not an integer: " + node);
  }

  /**
   * An object field's members as text, in order (a proto3 {@code map<string, string>} such as env
   * vars); empty when the field is absent or not an object.
   */
  public static Optional<Map<String, String>> stringMap(JsonNode parent, String field) {
    JsonNode n = parent == null ? null : parent.get(field);
    if (n == null || !n.isObject()) {
      return Optional.empty();
    }
    Map<String, String> map = new LinkedHashMap<>();
    n.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    return Optional.of(map);
  }

  /** Text of a string field, or {@code fallback} when absent or null. */
  public static String text(JsonNode parent, String field, String fallback) {
    JsonNode n = parent == null ? null : parent.get(field);
    return n == null || n.isNull() ? fallback : n.asText();
  }
}
