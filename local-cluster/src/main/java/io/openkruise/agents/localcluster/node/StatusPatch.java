package io.openkruise.agents.localcluster.node;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Pure: the strategic-merge patch that writes a planned pod status ({@link PodStatusPlanner}), and
 * whether the status the API server has already shows it, so the node skips writes that would
 * change nothing.
 */
final class StatusPatch {
  private static final ObjectMapper JSON =
      new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private StatusPatch() {}

  /**
   * The strategic-merge patch body {@code {"status": ...}} that makes the pod's status show {@code
   * desired}. Conditions merge by type and container statuses by name, so conditions owned by
   * others (readiness gates) survive. Fields we leave unset in a condition or a container state are
   * sent as null, because a merge would otherwise keep stale values (a {@code running} next to a
   * new {@code terminated}).
   */
  static ObjectNode patch(PodStatus desired) {
    ObjectNode status = JSON.valueToTree(desired);
    eachElement(
        status.get("conditions"),
        c -> {
          nullIfAbsent(c, "reason");
          nullIfAbsent(c, "message");
          nullIfAbsent(c, "lastProbeTime");
        });
    for (String list : List.of("containerStatuses", "initContainerStatuses")) {
      eachElement(
          status.get(list),
          cs -> {
            completeState(cs.get("state"));
            completeState(cs.get("lastState"));
          });
    }
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.set("status", status);
    return root;
  }

  /** True when {@code current} already shows everything {@code patch} would write. */
  static boolean covers(PodStatus current, ObjectNode patch) {
    JsonNode cur =
        current == null ? JsonNodeFactory.instance.objectNode() : JSON.valueToTree(current);
    return subset(patch.get("status"), cur);
  }

  private static void completeState(JsonNode state) {
    if (state instanceof ObjectNode o) {
      for (String kind : List.of("running", "waiting", "terminated")) {
        nullIfAbsent(o, kind);
      }
    }
  }

  private static void nullIfAbsent(ObjectNode o, String field) {
    if (!o.has(field)) {
      o.putNull(field);
    }
  }

  private static void eachElement(JsonNode array, Consumer<ObjectNode> f) {
    if (array instanceof ArrayNode a) {
      a.forEach(
          e -> {
            if (e instanceof ObjectNode o) {
              f.accept(o);
            }
          });
    }
  }

  /**
   * Strategic-merge semantics of "applying {@code want} to {@code have} changes nothing": objects
   * recursively, null means absent, lists keyed by {@code type}/{@code name}/{@code ip} when their
   * elements carry one, otherwise equal element by element.
   */
  static boolean subset(JsonNode want, JsonNode have) {
    if (want == null || want.isNull()) {
      return have == null || have.isNull();
    }
    if (have == null || have.isNull()) {
      return false;
    }
    if (want.isObject()) {
      if (!have.isObject()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!subset(e.getValue(), have.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (want.isArray()) {
      if (!have.isArray()) {
        return false;
      }
      String key = mergeKey(want);
      if (key == null) {
        if (want.size() != have.size()) {
          return false;
        }
        for (int i = 0; i < want.size(); i++) {
          if (!subset(want.get(i), have.get(i))) {
            return false;
          }
        }
        return true;
      }
      for (JsonNode w : want) {
        JsonNode match = null;
        for (JsonNode h : have) {
          if (w.get(key).equals(h.get(key))) {
            match = h;
            break;
          }
        }
        if (!subset(w, match)) {
          return false;
        }
      }
      return true;
    }
    return want.equals(have) || want.asText().equals(have.asText());
  }

  private static String mergeKey(JsonNode array) {
    for (String key : List.of("type", "name", "ip")) {
      boolean all = array.size() > 0;
      for (JsonNode e : array) {
        all &= e.isObject() && e.hasNonNull(key);
      }
      if (all) {
        return key;
      }
    }
    return null;
  }
}
