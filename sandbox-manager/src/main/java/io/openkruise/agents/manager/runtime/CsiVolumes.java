package io.openkruise.agents.manager.runtime;

import io.fabric8.kubernetes.api.model.CSIPersistentVolumeSource;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.envd.csi.NodePublishRequest;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.Extensions.CsiMount;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a requested dynamic mount into the mount helper's arguments, checking everything that can
 * be checked before a sandbox is claimed: the PV exists and lists the caller's key in its {@code
 * agents.kruise.io/csi-allowed-keys} annotation, is CSI, its driver is allowed, and its
 * node-publish Secret lives in the system namespace (users must not read other tenants' Secrets). A
 * PV that does not list the caller answers exactly as a missing one, so names cannot be probed.
 */
public final class CsiVolumes {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

  private final KubernetesClient client;
  private final String systemNamespace;
  private final List<String> allowedDrivers;

  public CsiVolumes(KubernetesClient client, String systemNamespace, List<String> allowedDrivers) {
    this.client = client;
    this.systemNamespace = systemNamespace;
    this.allowedDrivers = List.copyOf(allowedDrivers);
  }

  /** Ready-to-run mount: driver and base64 {@code NodePublishVolumeRequest}. */
  public record Prepared(String driver, String requestBase64) {}

  /**
   * @throws E2bException 400 when the volume cannot be mounted
   */
  public Prepared prepare(CsiMount mount, String callerId) {
    PersistentVolume pv;
    try {
      pv = client.persistentVolumes().withName(mount.volumeName()).get();
    } catch (KubernetesClientException e) {
      throw E2bException.badRequest(
          "cannot read PersistentVolume " + mount.volumeName() + ": " + e.getStatus());
    }
    if (pv == null || !allows(pv, callerId)) {
      throw E2bException.badRequest("PersistentVolume " + mount.volumeName() + " not found");
    }
    CSIPersistentVolumeSource csi = pv.getSpec() == null ? null : pv.getSpec().getCsi();
    if (csi == null) {
      throw E2bException.badRequest(
          "PersistentVolume " + mount.volumeName() + " is not a CSI volume");
    }
    if (!allowedDrivers.contains(csi.getDriver())) {
      throw E2bException.badRequest(
          "CSI driver " + csi.getDriver() + " is not allowed for dynamic mounts");
    }
    Map<String, String> secrets = new HashMap<>();
    SecretReference ref = csi.getNodePublishSecretRef();
    if (ref != null && ref.getName() != null && !ref.getName().isEmpty()) {
      String ns =
          ref.getNamespace() == null || ref.getNamespace().isEmpty()
              ? systemNamespace
              : ref.getNamespace();
      if (!ns.equals(systemNamespace)) {
        throw E2bException.badRequest(
            "the node-publish Secret of " + mount.volumeName() + " must be in " + systemNamespace);
      }
      Secret secret = client.secrets().inNamespace(ns).withName(ref.getName()).get();
      if (secret == null) {
        throw E2bException.badRequest("node-publish Secret " + ref.getName() + " not found");
      }
      if (secret.getData() != null) {
        secret
            .getData()
            .forEach(
                (k, v) ->
                    secrets.put(
                        k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
      }
      if (secret.getStringData() != null) {
        secrets.putAll(secret.getStringData());
      }
    }
    List<String> modes =
        pv.getSpec().getAccessModes() == null ? List.of() : pv.getSpec().getAccessModes();
    boolean readonly =
        Boolean.TRUE.equals(csi.getReadOnly())
            || (!modes.isEmpty() && modes.stream().allMatch("ReadOnlyMany"::equals));
    // A node-local mount: no publish context, no staging path.
    var request =
        new NodePublishRequest(
            mount.volumeName() + "-" + suffix(),
            Map.of(),
            "",
            mount.mountPoint(),
            csi.getFsType(),
            pv.getSpec().getMountOptions() == null ? List.of() : pv.getSpec().getMountOptions(),
            readonly
                ? NodePublishRequest.MULTI_NODE_READER_ONLY
                : NodePublishRequest.MULTI_NODE_MULTI_WRITER,
            readonly,
            secrets,
            csi.getVolumeAttributes() == null ? Map.of() : csi.getVolumeAttributes());
    return new Prepared(csi.getDriver(), request.base64());
  }

  /** The PV's allow-list names the key (or is {@code *}); no annotation allows nobody. */
  static boolean allows(PersistentVolume pv, String callerId) {
    Map<String, String> a = pv.getMetadata() == null ? null : pv.getMetadata().getAnnotations();
    String list = a == null ? null : a.get(MetadataKeys.ANNOTATION_CSI_ALLOWED_KEYS);
    if (list == null || callerId == null || callerId.isEmpty()) {
      return false;
    }
    for (String entry : list.split(",")) {
      String e = entry.strip();
      if (e.equals("*") || e.equals(callerId)) {
        return true;
      }
    }
    return false;
  }

  /** The original's random {@code -xxxxxx} volume-id suffix; the helper strips it. */
  private static String suffix() {
    StringBuilder b = new StringBuilder(6);
    for (int i = 0; i < 6; i++) {
      b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }
}
