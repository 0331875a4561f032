package io.openkruise.agents.manager.lifecycle;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.RuntimeInitDecision;
import io.openkruise.agents.api.claim.SandboxOwners;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.Extensions;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.runtime.CsiVolumes;
import io.openkruise.agents.manager.runtime.RuntimeClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Brings a sandbox's runtime up to what its create asked for: {@code /init} (env vars, access
 * token) when its template wants it, then the CSI mount. Done after the create and again after
 * every resume, since the new pod's runtime knows nothing of the create.
 */
final class RuntimeSetup {

  private static final Logger LOG = Logger.getLogger(RuntimeSetup.class);

  private final RuntimeClient runtime;
  private final CsiVolumes csi;
  private final SandboxTokens tokens;
  private final EnvVarSeal seal;
  private final SandboxCache cache;

  RuntimeSetup(
      RuntimeClient runtime,
      CsiVolumes csi,
      SandboxTokens tokens,
      EnvVarSeal seal,
      SandboxCache cache) {
    this.runtime = runtime;
    this.csi = csi;
    this.tokens = tokens;
    this.seal = seal;
    this.cache = cache;
  }

  /** Checked before anything is claimed, so a bad volume never costs a warm sandbox. */
  CsiVolumes.Prepared prepare(Extensions.CsiMount m, String owner) {
    return csi.prepare(m, owner);
  }

  /** The create's init, unless skipped or the template does not ask for it. */
  void init(Sandbox sandbox, List<SandboxSet> sets, Map<String, String> envVars) {
    if (!RuntimeInitDecision.shouldInit(sandbox, sets)) {
      return;
    }
    Optional<String> failed = runtime.init(sandbox, envVars, tokens.envdAccessToken(sandbox), null);
    if (failed.isPresent()) {
      throw E2bException.internal(
          "runtime init of sandbox " + SandboxView.id(sandbox) + " failed: " + failed.get());
    }
  }

  void mount(Sandbox sandbox, CsiVolumes.Prepared mount) {
    Optional<String> failed =
        runtime.csiMount(
            sandbox, tokens.envdAccessToken(sandbox), mount.driver(), mount.requestBase64());
    if (failed.isPresent()) {
      throw E2bException.internal(
          "CSI mount in sandbox " + SandboxView.id(sandbox) + " failed: " + failed.get());
    }
  }

  /** After a resume: init again with the env vars the create sealed, then mount again. */
  void reinit(Sandbox s) {
    String id = SandboxView.id(s);
    Map<String, String> a = s.getMetadata().getAnnotations();
    if (a == null || !a.containsKey(MetadataKeys.ANNOTATION_SECURE)) {
      return; // created with skip-init-runtime
    }
    if (!RuntimeInitDecision.shouldInit(s, cache.setsNamed(SandboxView.templateId(s)))) {
      return;
    }
    String token = tokens.envdAccessToken(s);
    String owner = SandboxOwners.owner(s).orElse("");
    String sealed = a.get(MetadataKeys.ANNOTATION_RUNTIME_ENV_VARS);
    Map<String, String> env = seal.open(owner, sealed).orElse(Map.of());
    if (sealed != null && env.isEmpty()) {
      LOG.warnf("env vars of sandbox=%s do not open with this cluster's key; re-init without", id);
    }
    Optional<String> failed = runtime.init(s, env, token, token);
    if (failed.isPresent()) {
      throw E2bException.internal("runtime re-init of sandbox " + id + " failed: " + failed.get());
    }
    Optional<Extensions.CsiMount> mount =
        CsiMountAnnotation.read(a.get(MetadataKeys.ANNOTATION_CSI_MOUNT));
    if (mount.isPresent()) {
      CsiVolumes.Prepared p;
      try {
        p = csi.prepare(mount.get(), owner);
      } catch (E2bException e) {
        throw E2bException.internal("CSI remount of sandbox " + id + ": " + e.getMessage());
      }
      failed = runtime.csiMount(s, token, p.driver(), p.requestBase64());
      if (failed.isPresent()) {
        throw E2bException.internal("CSI remount in sandbox " + id + " failed: " + failed.get());
      }
    }
  }
}
