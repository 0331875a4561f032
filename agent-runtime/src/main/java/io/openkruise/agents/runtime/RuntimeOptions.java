package io.openkruise.agents.runtime;

import io.openkruise.agents.envd.EnvdPorts;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of one runtime instance. Build with {@link #builder()}.
 *
 * @param host address both listeners bind to (e.g. {@code 127.0.3.7}, or {@code 0.0.0.0} in a pod)
 * @param rootDir host directory that holds the sandbox's {@code /}; {@code /} means identity
 *     mapping (sidecar mode on a real pod)
 * @param envdPort envd port; 0 picks a free one
 * @param codeInterpreter whether to serve the code-interpreter API
 * @param codeInterpreterPort its port; 0 picks a free one
 * @param maxUploadBytes cap on one {@code POST /files} body (after gzip decoding)
 * @param pythonCommand interpreter used for code contexts
 * @param volumesDir where local CSI mounts keep one directory per volume (shared by instances)
 * @param csiDrivers CSI driver names the mount helper accepts
 * @param csiLocalMode true: CSI mounts link to {@code volumesDir}; false: bind-mount (real node)
 * @param bootstrapToken the per-sandbox secret that opens the runtime (see {@code
 *     docs/agent-runtime.md}); null when none was given
 * @param unauthenticated serve without a bootstrap token (standalone use only); without a token and
 *     without this opt-out the runtime refuses every request but {@code /health}
 * @param maxSignatureLifetimeSeconds longest lifetime a signed {@code /files} URL with an
 *     expiration may have, counted from now
 */
public record RuntimeOptions(
    String host,
    Path rootDir,
    int envdPort,
    boolean codeInterpreter,
    int codeInterpreterPort,
    long maxUploadBytes,
    String pythonCommand,
    Path volumesDir,
    List<String> csiDrivers,
    boolean csiLocalMode,
    String bootstrapToken,
    boolean unauthenticated,
    long maxSignatureLifetimeSeconds) {

  public static final int DEFAULT_ENVD_PORT = EnvdPorts.ENVD;
  public static final int DEFAULT_CODE_INTERPRETER_PORT = EnvdPorts.CODE_INTERPRETER;
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 512L * 1024 * 1024;
  public static final long DEFAULT_MAX_SIGNATURE_LIFETIME_SECONDS = 24 * 3600;

  /** Drivers accepted when none are configured. */
  public static final List<String> DEFAULT_CSI_DRIVERS =
      List.of(
          "local.csi.agents.kruise.io",
          "nfs.csi.k8s.io",
          "nasplugin.csi.alibabacloud.com",
          "ossplugin.csi.alibabacloud.com",
          "hostpath.csi.k8s.io");

  public RuntimeOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(rootDir, "rootDir");
    csiDrivers = List.copyOf(csiDrivers);
    if (bootstrapToken != null && bootstrapToken.isBlank()) {
      bootstrapToken = null;
    }
  }

  /** Hides the bootstrap token: options end up in logs and assertion messages. */
  @Override
  public String toString() {
    return "RuntimeOptions[host="
        + host
        + ", rootDir="
        + rootDir
        + ", envdPort="
        + envdPort
        + ", codeInterpreter="
        + codeInterpreter
        + ", codeInterpreterPort="
        + codeInterpreterPort
        + ", bootstrapToken="
        + (bootstrapToken == null ? "none" : "<set>")
        + ", unauthenticated="
        + unauthenticated
        + "]";
  }

  /** True when sandbox paths are host paths. */
  public boolean sidecarMode() {
    return rootDir.toAbsolutePath().normalize().getParent() == null;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder with the daemon's defaults (envd 49983, code interpreter on at 49999). */
  public static final class Builder {
    private String host = "0.0.0.0";
    private Path rootDir = Path.of("/");
    private int envdPort = DEFAULT_ENVD_PORT;
    private boolean codeInterpreter = true;
    private int codeInterpreterPort = DEFAULT_CODE_INTERPRETER_PORT;
    private long maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES;
    // AGENT_RUNTIME_PYTHON also reaches runtimes started in-process (bin/run-local's simulated
    // node passes agent-runtime/bin/interpreter-venv's IPython this way).
    private String pythonCommand = defaultPython();
    private Path volumesDir;
    private List<String> csiDrivers = DEFAULT_CSI_DRIVERS;
    private Boolean csiLocalMode;
    private String bootstrapToken;
    private boolean unauthenticated;
    private long maxSignatureLifetimeSeconds = DEFAULT_MAX_SIGNATURE_LIFETIME_SECONDS;

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder rootDir(Path rootDir) {
      this.rootDir = rootDir;
      return this;
    }

    public Builder envdPort(int port) {
      this.envdPort = port;
      return this;
    }

    public Builder codeInterpreter(boolean on) {
      this.codeInterpreter = on;
      return this;
    }

    public Builder codeInterpreterPort(int port) {
      this.codeInterpreterPort = port;
      return this;
    }

    public Builder maxUploadBytes(long bytes) {
      this.maxUploadBytes = bytes;
      return this;
    }

    private static String defaultPython() {
      String v = System.getenv("AGENT_RUNTIME_PYTHON");
      return v == null || v.isBlank() ? "python3" : v;
    }

    public Builder pythonCommand(String command) {
      this.pythonCommand = command;
      return this;
    }

    /**
     * Default: {@code <rootDir>/../volumes} in local mode, {@code /var/lib/agent-runtime/volumes}
     * otherwise.
     */
    public Builder volumesDir(Path dir) {
      this.volumesDir = dir;
      return this;
    }

    public Builder csiDrivers(List<String> drivers) {
      this.csiDrivers = drivers;
      return this;
    }

    /** Default: local (link) mode unless rootDir is {@code /}. */
    public Builder csiLocalMode(boolean local) {
      this.csiLocalMode = local;
      return this;
    }

    /**
     * The secret the control plane delivers to the pod; every request but {@code /health} must
     * carry it in {@code X-Kruise-Bootstrap-Token} until {@code /init} was called with it.
     */
    public Builder bootstrapToken(String token) {
      this.bootstrapToken = token;
      return this;
    }

    /**
     * Serve without a bootstrap token, as stock envd does: anyone who reaches the ports may call
     * {@code /init}. For standalone use and tests only.
     */
    public Builder unauthenticated(boolean on) {
      this.unauthenticated = on;
      return this;
    }

    public Builder maxSignatureLifetimeSeconds(long seconds) {
      this.maxSignatureLifetimeSeconds = seconds;
      return this;
    }

    public RuntimeOptions build() {
      Path root = rootDir.toAbsolutePath().normalize();
      boolean sidecar = root.getParent() == null;
      Path vols =
          volumesDir != null
              ? volumesDir
              : sidecar
                  ? Path.of("/var/lib/agent-runtime/volumes")
                  : root.getParent().resolve("volumes");
      return new RuntimeOptions(
          host,
          root,
          envdPort,
          codeInterpreter,
          codeInterpreterPort,
          maxUploadBytes,
          pythonCommand,
          vols.toAbsolutePath().normalize(),
          csiDrivers,
          csiLocalMode != null ? csiLocalMode : !sidecar,
          bootstrapToken,
          unauthenticated,
          maxSignatureLifetimeSeconds);
    }
  }
}
