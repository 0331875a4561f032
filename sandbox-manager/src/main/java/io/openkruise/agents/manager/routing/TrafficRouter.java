package io.openkruise.agents.manager.routing;

import io.openkruise.agents.envd.EnvdPorts;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides, from host, path and headers alone, whether a request on the shared port is for the E2B
 * API or for a sandbox, in the three routing modes (docs/architecture.md): private paths ({@code
 * /kruise/api/...} and {@code /kruise/<sid>/<port>/...}), native hosts ({@code api.<domain>} and
 * {@code <port>-<sid>.<domain>}) and routing headers ({@code E2b-Sandbox-Id/-Port}).
 */
public final class TrafficRouter {

  public static final String API_PREFIX = "/kruise/api";
  private static final String PRIVATE_PREFIX = "/kruise/";
  private static final Pattern SANDBOX_HOST = Pattern.compile("^(\\d{1,5})-([a-z0-9-]+)\\..+$");

  /** E2B API paths; envd serves none of them. */
  private static final Pattern API_PATH = Pattern.compile("^/(v2/)?sandboxes(/.*)?$");

  /** envd's own paths (Connect services and file transfer); the API serves none of them. */
  private static final Pattern ENVD_PATH =
      Pattern.compile("^/(files|(process\\.Process|filesystem\\.Filesystem)/[A-Za-z]+)$");

  static final int ENVD_PORT = EnvdPorts.ENVD;

  private TrafficRouter() {}

  /** Where a request goes. */
  public sealed interface Route {}

  /**
   * @param path the path the API sees (private prefix removed)
   */
  public record Api(String path) implements Route {}

  /** How a request named its sandbox; the {@code mode} tag of the proxy's metrics. */
  public enum Mode {
    PRIVATE,
    NATIVE,
    HEADER,
    /** No routing at all, only an envd access token (see {@link #byAccessToken}). */
    TOKEN;

    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * @param path the path the sandbox sees
   * @param port -1 when the port is missing or malformed
   */
  public record SandboxTraffic(String sandboxId, int port, String path, Mode mode)
      implements Route {}

  /** A private-protocol path that names no sandbox port. */
  public record Malformed(String reason) implements Route {}

  public static Route classify(
      String host, String path, String sandboxIdHeader, String portHeader) {
    String p = path == null || path.isEmpty() ? "/" : path;
    if (p.equals(API_PREFIX) || p.startsWith(API_PREFIX + "/")) {
      String rest = p.substring(API_PREFIX.length());
      return new Api(rest.isEmpty() ? "/" : rest);
    }
    if (p.startsWith(PRIVATE_PREFIX)) {
      return privateSandbox(p.substring(PRIVATE_PREFIX.length()));
    }
    String h = host == null ? "" : host.toLowerCase();
    if (h.startsWith("api.")) {
      return new Api(p);
    }
    if (sandboxIdHeader != null && !sandboxIdHeader.isEmpty() && portHeader != null) {
      int port = port(portHeader);
      // e2b (Python) < 2.27 put the envd routing headers on the API's connect call as well; with
      // one URL for API and sandboxes (header routing, or after the private prefix is stripped)
      // the path tells them apart.
      if (port == ENVD_PORT && API_PATH.matcher(p).matches()) {
        return new Api(p);
      }
      return new SandboxTraffic(sandboxIdHeader, port, p, Mode.HEADER);
    }
    Matcher m = SANDBOX_HOST.matcher(stripPort(h));
    if (m.matches()) {
      return new SandboxTraffic(m.group(2), port(m.group(1)), p, Mode.NATIVE);
    }
    return new Api(p);
  }

  /**
   * Last resort for a request that named no sandbox: old SDKs (e2b Python before 2.25.1 after
   * {@code connect()}, npm before 2.14.1 on {@code /files}) call envd on the shared header-routing
   * host with nothing but their {@code X-Access-Token}. The token names one sandbox; the proxy
   * checks it again as usual.
   *
   * @param sandboxIdByToken the claimed sandbox holding a token, if any
   */
  public static Optional<SandboxTraffic> byAccessToken(
      String path, String accessToken, Function<String, Optional<String>> sandboxIdByToken) {
    if (accessToken == null || accessToken.isEmpty() || path == null) {
      return Optional.empty();
    }
    if (!ENVD_PATH.matcher(path).matches()) {
      return Optional.empty();
    }
    return sandboxIdByToken
        .apply(accessToken)
        .map(id -> new SandboxTraffic(id, ENVD_PORT, path, Mode.TOKEN));
  }

  /** {@code <sid>/<port>[/rest]}. */
  private static Route privateSandbox(String rest) {
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      return new Malformed("expected /kruise/<sandboxID>/<port>/...");
    }
    String id = rest.substring(0, slash);
    String afterId = rest.substring(slash + 1);
    int next = afterId.indexOf('/');
    String portText = next < 0 ? afterId : afterId.substring(0, next);
    int port = port(portText);
    if (port < 0) {
      return new Malformed("invalid port " + portText);
    }
    return new SandboxTraffic(id, port, next < 0 ? "/" : afterId.substring(next), Mode.PRIVATE);
  }

  static String stripPort(String host) {
    int colon = host.lastIndexOf(':');
    return colon < 0 || host.endsWith("]") ? host : host.substring(0, colon);
  }

  static int port(String text) {
    try {
      int n = Integer.parseInt(text.trim());
      return n >= 0 && n <= 65535 ? n : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
