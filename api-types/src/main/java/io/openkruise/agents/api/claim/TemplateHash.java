package io.openkruise.agents.api.claim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Stable short hashes of pod templates (revisions, in-place update guard). */
public final class TemplateHash {

  /** Sorted keys: the same template always hashes the same, whatever order its maps came in. */
  private static final ObjectMapper CANONICAL =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private TemplateHash() {}

  /** Revision of a template: 10 hex chars of SHA-256 over its canonical JSON. */
  public static String of(Object template) {
    return digest(CANONICAL.convertValue(template, JsonNode.class));
  }

  /**
   * Hash of a template with every container's image and resources blanked: an in-place update is
   * allowed only while this stays the same.
   */
  public static String withoutImageAndResources(Object template) {
    JsonNode node = CANONICAL.convertValue(template, JsonNode.class);
    if (node != null) {
      for (String list : new String[] {"containers", "initContainers"}) {
        node.path("spec")
            .path(list)
            .forEach(c -> ((ObjectNode) c).remove(java.util.List.of("image", "resources")));
      }
    }
    return digest(node);
  }

  private static String digest(JsonNode node) {
    try {
      String text = CANONICAL.writeValueAsString(CANONICAL.treeToValue(node, Object.class));
      byte[] sha =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha).substring(0, 10);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot hash template", e);
    }
  }
}
