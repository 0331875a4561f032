package io.openkruise.agents.runtime;

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
    boolean csiLocalMode) {

  public static final int DEFAULT_ENVD_PORT = 49983;
  public static final int DEFAULT_CODE_INTERPRETER_PORT = 49999;
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 512L * 1024 * 1024;

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
    private String pythonCommand = "python3";
    private Path volumesDir;
    private List<String> csiDrivers = DEFAULT_CSI_DRIVERS;
    private Boolean csiLocalMode;

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
          csiLocalMode != null ? csiLocalMode : !sidecar);
    }
  }
}
