package io.openkruise.agents.manager.e2b;

import io.openkruise.agents.api.MetadataKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code e2b.agents.kruise.io/*} keys a create may put into its metadata. They are parsed,
 * validated and removed before the rest becomes annotations.
 */
public record Extensions(
    Optional<String> image,
    Optional<CsiMount> csiMount,
    boolean skipInitRuntime,
    Optional<Duration> claimTimeout,
    Optional<Duration> waitReadyTimeout,
    Optional<Boolean> createOnNoStockRequested,
    boolean reserveFailedSandbox,
    boolean neverTimeout,
    Optional<String> reservePausedDuration,
    boolean returnSandboxIp,
    Map<String, String> labels) {

  /** Whether an empty pool makes a new sandbox: the request's choice, else the configured one. */
  public boolean createOnNoStock(boolean configured) {
    return createOnNoStockRequested.orElse(configured);
  }

  /** A dynamic CSI mount: the PersistentVolume and where it appears in the sandbox. */
  public record CsiMount(String volumeName, String mountPoint) {}

  public static final Extensions NONE =
      new Extensions(
          Optional.empty(),
          Optional.empty(),
          false,
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          false,
          false,
          Optional.empty(),
          false,
          Map.of());

  private static final Set<String> KNOWN =
      Set.of(
          MetadataKeys.EXT_IMAGE,
          MetadataKeys.EXT_CSI_VOLUME_NAME,
          MetadataKeys.EXT_CSI_MOUNT_POINT,
          MetadataKeys.EXT_SKIP_INIT_RUNTIME,
          MetadataKeys.EXT_CLAIM_TIMEOUT_SECONDS,
          MetadataKeys.EXT_WAIT_READY_TIMEOUT_SECONDS,
          MetadataKeys.EXT_CREATE_ON_NO_STOCK,
          MetadataKeys.EXT_RESERVE_FAILED_SANDBOX,
          MetadataKeys.EXT_NEVER_TIMEOUT,
          MetadataKeys.EXT_RESERVE_PAUSED_SANDBOX_DURATION,
          MetadataKeys.EXT_RETURN_SANDBOX_IP,
          MetadataKeys.EXT_SANDBOX_NAME);

  // Kubernetes label syntax: an optional DNS-subdomain prefix and a name of at most 63 characters.
  private static final Pattern LABEL_NAME =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern LABEL_PREFIX =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  // A docker reference: [registry[:port]/]path[:tag][@digest], lowercase path components.
  private static final Pattern IMAGE =
      Pattern.compile(
          "^(?:[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
              + "(?::[0-9]+)?/)?"
              + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
              + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$");

  private static final Pattern PV_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /** Result of splitting create metadata: the extensions and the user's own keys. */
  public record Split(Extensions extensions, Map<String, String> metadata) {}

  /**
   * Takes the reserved keys out of {@code metadata}.
   *
   * @param maxClaimTimeout largest {@code claim-timeout-seconds} a create may ask for
   * @param maxWaitReadyTimeout largest {@code wait-ready-timeout-seconds} a create may ask for
   * @throws E2bException 400 for an unknown reserved key, an invalid value or a duration above its
   *     configured maximum (the message names the key and the maximum)
   */
  public static Split split(
      Map<String, String> metadata, Duration maxClaimTimeout, Duration maxWaitReadyTimeout) {
    Map<String, String> rest = new LinkedHashMap<>();
    Map<String, String> ext = new LinkedHashMap<>();
    Map<String, String> labels = new LinkedHashMap<>();
    metadata.forEach(
        (k, v) -> {
          if (k.startsWith(MetadataKeys.EXT_LABEL_PREFIX)) {
            String label = k.substring(MetadataKeys.EXT_LABEL_PREFIX.length());
            checkLabel(k, label, v);
            labels.put(label, v);
          } else if (MetadataKeys.isReserved(k)) {
            if (!KNOWN.contains(k)) {
              throw E2bException.badRequest("unknown reserved metadata key " + k);
            }
            ext.put(k, v);
          } else {
            rest.put(k, v);
          }
        });
    if (ext.isEmpty() && labels.isEmpty()) {
      return new Split(NONE, rest);
    }
    String name = ext.get(MetadataKeys.EXT_SANDBOX_NAME);
    if (name != null) {
      if (!DNS_LABEL.matcher(name).matches()) {
        throw E2bException.badRequest(
            "invalid " + MetadataKeys.EXT_SANDBOX_NAME + " " + name + ": not a DNS label");
      }
      // Creates claim a warm member of the pool, whose name the SandboxSet chose; as in the
      // newest original, a caller-chosen name only applies where a sandbox is cloned.
      throw E2bException.badRequest(
          MetadataKeys.EXT_SANDBOX_NAME
              + " is not supported: a create claims a warm sandbox, whose name its pool chose");
    }
    Optional<String> reservePaused =
        Optional.ofNullable(ext.get(MetadataKeys.EXT_RESERVE_PAUSED_SANDBOX_DURATION))
            .map(String::trim);
    reservePaused.ifPresent(
        v -> PausedRetention.parse(v, MetadataKeys.EXT_RESERVE_PAUSED_SANDBOX_DURATION));
    Optional<String> image = Optional.ofNullable(ext.get(MetadataKeys.EXT_IMAGE));
    image.ifPresent(
        i -> {
          if (i.length() > 255 || !IMAGE.matcher(i).matches()) {
            throw E2bException.badRequest("invalid image reference in " + MetadataKeys.EXT_IMAGE);
          }
        });
    String volume = ext.get(MetadataKeys.EXT_CSI_VOLUME_NAME);
    String mountPoint = ext.get(MetadataKeys.EXT_CSI_MOUNT_POINT);
    Optional<CsiMount> csi = Optional.empty();
    if (volume != null || mountPoint != null) {
      if (volume == null || mountPoint == null) {
        throw E2bException.badRequest(
            MetadataKeys.EXT_CSI_VOLUME_NAME
                + " and "
                + MetadataKeys.EXT_CSI_MOUNT_POINT
                + " must be given together");
      }
      if (!PV_NAME.matcher(volume).matches()) {
        throw E2bException.badRequest("invalid PersistentVolume name " + volume);
      }
      checkMountPoint(mountPoint);
      csi = Optional.of(new CsiMount(volume, mountPoint));
    }
    // Each wait pins a worker thread for its whole length: a value above the configured maximum
    // is refused rather than silently clamped, so the caller learns the limit.
    Optional<Duration> claimTimeout =
        seconds(ext, MetadataKeys.EXT_CLAIM_TIMEOUT_SECONDS, maxClaimTimeout);
    Optional<Duration> waitReadyTimeout =
        seconds(ext, MetadataKeys.EXT_WAIT_READY_TIMEOUT_SECONDS, maxWaitReadyTimeout);
    return new Split(
        new Extensions(
            image,
            csi,
            bool(ext, MetadataKeys.EXT_SKIP_INIT_RUNTIME),
            claimTimeout,
            waitReadyTimeout,
            ext.containsKey(MetadataKeys.EXT_CREATE_ON_NO_STOCK)
                ? Optional.of(bool(ext, MetadataKeys.EXT_CREATE_ON_NO_STOCK))
                : Optional.empty(),
            bool(ext, MetadataKeys.EXT_RESERVE_FAILED_SANDBOX),
            bool(ext, MetadataKeys.EXT_NEVER_TIMEOUT),
            reservePaused,
            bool(ext, MetadataKeys.EXT_RETURN_SANDBOX_IP),
            Map.copyOf(labels)),
        rest);
  }

  /** A {@code label:} key must name a Kubernetes label we do not own; 400 names the key. */
  private static void checkLabel(String key, String label, String value) {
    int slash = label.lastIndexOf('/');
    String prefix = slash < 0 ? null : label.substring(0, slash);
    String name = slash < 0 ? label : label.substring(slash + 1);
    boolean valid =
        LABEL_NAME.matcher(name).matches()
            && (prefix == null
                || (prefix.length() <= 253 && LABEL_PREFIX.matcher(prefix).matches()));
    if (!valid) {
      throw E2bException.badRequest("invalid label name in metadata key " + key);
    }
    if (MetadataKeys.isReserved(label) || SandboxView.isSystemKey(label)) {
      throw E2bException.badRequest("label name in metadata key " + key + " is reserved");
    }
    if (value.length() > 63 || !(value.isEmpty() || LABEL_NAME.matcher(value).matches())) {
      throw E2bException.badRequest("invalid label value for metadata key " + key);
    }
  }

  /** Absolute, already clean, not the root: what the runtime's mount helper accepts. */
  static void checkMountPoint(String mountPoint) {
    boolean clean;
    try {
      clean =
          mountPoint.startsWith("/")
              && mountPoint.length() > 1
              && !mountPoint.endsWith("/")
              && !mountPoint.contains("//")
              && !mountPoint.contains("\0")
              && Path.of(mountPoint).normalize().toString().equals(mountPoint)
              && !mountPoint.contains("/./")
              && !mountPoint.endsWith("/.");
    } catch (RuntimeException e) {
      clean = false;
    }
    if (!clean) {
      throw E2bException.badRequest(
          MetadataKeys.EXT_CSI_MOUNT_POINT + " must be an absolute, clean path: " + mountPoint);
    }
  }

  private static boolean bool(Map<String, String> ext, String key) {
    String v = ext.get(key);
    if (v == null || v.equalsIgnoreCase("false")) {
      return false;
    }
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    throw E2bException.badRequest(key + " must be true or false");
  }

  /** A number of seconds from 0 to {@code max}; 0 means "use the default", as in the original. */
  private static Optional<Duration> seconds(Map<String, String> ext, String key, Duration max) {
    String v = ext.get(key);
    if (v == null) {
      return Optional.empty();
    }
    long n;
    try {
      n = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw E2bException.badRequest(key + " must be an integer number of seconds");
    }
    if (n < 0) {
      throw E2bException.badRequest(key + " must not be negative");
    }
    if (n > max.toSeconds()) {
      throw E2bException.badRequest(
          key + " must be at most " + max.toSeconds() + " seconds (the configured maximum)");
    }
    return n == 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(n));
  }
}
