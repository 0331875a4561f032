package io.openkruise.agents.localcluster.node;

import java.util.List;
import java.util.Map;

/**
 * What the node runs for a container whose image repository is mapped: a local command standing in
 * for the image (e.g. {@code java -jar sandbox-manager/target/quarkus-app/quarkus-run.jar} for
 * {@code openkruise/kruise-agents-sandbox-manager}), as a real child process bound to the pod's
 * address.
 *
 * @param command the command line (the image's entrypoint)
 * @param env added to the container's own env (which wins); {@value #POD_IP} in a value becomes the
 *     pod's address, e.g. {@code QUARKUS_HTTP_HOST={podIP}}
 */
public record ImageProcess(List<String> command, Map<String, String> env) {

  /** Placeholder for the pod's address in {@link #env()} values. */
  public static final String POD_IP = "{podIP}";

  public ImageProcess {
    command = List.copyOf(command);
    env = Map.copyOf(env);
  }

  /**
   * The repository of an image reference, without registry, tag or digest: {@code
   * docker.io/openkruise/x:0.1.0} and {@code openkruise/x@sha256:…} are both {@code openkruise/x}.
   */
  public static String repository(String image) {
    String s = image;
    int at = s.indexOf('@');
    if (at >= 0) {
      s = s.substring(0, at);
    }
    int slash = s.lastIndexOf('/');
    int colon = s.lastIndexOf(':');
    if (colon > slash) {
      s = s.substring(0, colon);
    }
    int first = s.indexOf('/');
    if (first > 0) {
      String head = s.substring(0, first);
      if (head.contains(".") || head.contains(":") || head.equals("localhost")) {
        s = s.substring(first + 1);
      }
    }
    return s;
  }
}
