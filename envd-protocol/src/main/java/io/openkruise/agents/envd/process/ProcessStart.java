package io.openkruise.agents.envd.process;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.envd.connect.ConnectEnvelope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** envd's {@code process.Process/Start} request: one Connect envelope around a JSON message. */
public final class ProcessStart {

  /** The procedure's path on the envd port. */
  public static final String PATH = "/process.Process/Start";

  private static final ObjectMapper JSON = new ObjectMapper();

  private ProcessStart() {}

  /** {@code cmd} with {@code args}, no extra environment. */
  public static byte[] request(String cmd, List<String> args) {
    return request(cmd, args, null);
  }

  /**
   * @param envs extra environment of the process; null leaves the field out
   */
  public static byte[] request(String cmd, List<String> args, Map<String, String> envs) {
    Map<String, Object> process = new LinkedHashMap<>();
    process.put("cmd", cmd);
    process.put("args", args);
    if (envs != null) {
      process.put("envs", envs);
    }
    try {
      return ConnectEnvelope.encode(0, JSON.writeValueAsBytes(Map.of("process", process)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
