package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where and how to run one probe, resolved from the spec the way a kubelet does (named ports, host
 * defaulting to the pod IP, path defaulting to {@code /}).
 *
 * @param kind what to do
 * @param scheme {@code http} or {@code https} (HTTP only)
 * @param host address to connect to
 * @param port port, or -1 when it could not be resolved (the probe then fails)
 * @param path request path (HTTP only)
 * @param headers extra request headers (HTTP only)
 * @param problem why the probe cannot be run as written, or null
 */
public record ProbeTarget(
    Kind kind,
    String scheme,
    String host,
    int port,
    String path,
    Map<String, String> headers,
    String problem) {

  /** How a probe is checked. */
  public enum Kind {
    /** GET; 200-399 passes. */
    HTTP,
    /** TCP connect; success passes. */
    TCP,
    /**
     * exec and gRPC probes: there is no container to exec in, so they pass (documented deviation).
     */
    ASSUMED_PASSING
  }

  public static ProbeTarget resolve(Probe probe, Container container, String podIp) {
    if (probe.getHttpGet() != null) {
      HTTPGetAction get = probe.getHttpGet();
      int port = port(get.getPort(), container);
      String host = get.getHost() == null || get.getHost().isBlank() ? podIp : get.getHost();
      String path = get.getPath() == null || get.getPath().isBlank() ? "/" : get.getPath();
      if (!path.startsWith("/")) {
        path = "/" + path;
      }
      String scheme = get.getScheme() == null ? "http" : get.getScheme().toLowerCase();
      List<HTTPHeader> hs = get.getHttpHeaders() == null ? List.of() : get.getHttpHeaders();
      Map<String, String> headers =
          hs.stream()
              .collect(Collectors.toMap(HTTPHeader::getName, HTTPHeader::getValue, (a, b) -> b));
      return new ProbeTarget(
          Kind.HTTP,
          scheme,
          host,
          port,
          path,
          headers,
          port < 0 ? unresolved(get.getPort()) : null);
    }
    if (probe.getTcpSocket() != null) {
      int port = port(probe.getTcpSocket().getPort(), container);
      String host =
          probe.getTcpSocket().getHost() == null || probe.getTcpSocket().getHost().isBlank()
              ? podIp
              : probe.getTcpSocket().getHost();
      return new ProbeTarget(
          Kind.TCP,
          null,
          host,
          port,
          null,
          Map.of(),
          port < 0 ? unresolved(probe.getTcpSocket().getPort()) : null);
    }
    return new ProbeTarget(Kind.ASSUMED_PASSING, null, podIp, -1, null, Map.of(), null);
  }

  private static String unresolved(IntOrString port) {
    return "probe port " + (port == null ? "(none)" : port.getValue()) + " does not resolve";
  }

  /** Numeric port, a numeric string, or the name of one of the container's ports; else -1. */
  static int port(IntOrString port, Container container) {
    if (port == null) {
      return -1;
    }
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    String s = port.getStrVal();
    if (s == null) {
      return -1;
    }
    if (s.chars().allMatch(Character::isDigit) && !s.isEmpty()) {
      return Integer.parseInt(s);
    }
    if (container.getPorts() != null) {
      for (ContainerPort p : container.getPorts()) {
        if (s.equals(p.getName())) {
          return p.getContainerPort();
        }
      }
    }
    return -1;
  }
}
