package io.openkruise.agents.manager.lifecycle;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.ClaimRequest;
import io.openkruise.agents.manager.e2b.CreateRequest;
import io.openkruise.agents.manager.e2b.Deadlines;
import io.openkruise.agents.manager.e2b.Extensions;
import io.openkruise.agents.manager.e2b.PausedRetention;
import io.openkruise.agents.manager.e2b.Timeouts;
import io.openkruise.agents.manager.keys.Caller;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the one claim patch of an E2B create writes: owner, annotations (metadata, sealed env
 * vars, network rules, extensions), labels, deadlines and image. Pure: no I/O.
 *
 * @param seal seals the env vars a re-init after resume needs
 * @param pausedRetention how long a paused sandbox is kept when the request does not say
 */
record ClaimForCreate(EnvVarSeal seal, Duration pausedRetention) {

  /** The claim of {@code req} for {@code caller}, its deadlines counted from {@code started}. */
  ClaimRequest of(Caller caller, CreateRequest req, Instant started, boolean initExpected) {
    Extensions ext = req.extensions();
    Map<String, String> annotations = new LinkedHashMap<>(req.metadata());
    if (initExpected) {
      // Unfinished until InitMark.write: the controller deletes a sandbox left like this.
      annotations.put(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "false");
    }
    if (!ext.skipInitRuntime()) {
      // Present = the runtime is initialised by create and again after every resume; the token
      // itself is derived from the UID (SandboxTokens), never written where tenants can read it.
      annotations.put(MetadataKeys.ANNOTATION_SECURE, String.valueOf(req.secure()));
      if (!req.envVars().isEmpty()) {
        annotations.put(
            MetadataKeys.ANNOTATION_RUNTIME_ENV_VARS, seal.seal(caller.id(), req.envVars()));
      }
    }
    if (req.autoResume()) {
      annotations.put(MetadataKeys.ANNOTATION_AUTO_RESUME, "true");
    }
    if (!req.allowPublicTraffic()) {
      annotations.put(MetadataKeys.ANNOTATION_ALLOW_PUBLIC_TRAFFIC, "false");
    }
    // The record the sandbox's NetworkPolicy is made from; the controller labels its pods by it.
    req.network().ifPresent(n -> annotations.put(MetadataKeys.ANNOTATION_NETWORK, n.toJson()));
    ext.csiMount()
        .ifPresent(
            m -> annotations.put(MetadataKeys.ANNOTATION_CSI_MOUNT, CsiMountAnnotation.write(m)));
    ext.reservePausedDuration()
        .ifPresent(
            v -> annotations.put(MetadataKeys.ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION, v));
    if (ext.returnSandboxIp()) {
      annotations.put(MetadataKeys.EXT_RETURN_SANDBOX_IP, "true");
    }
    ClaimRequest claim = ClaimRequest.forOwner(caller.id()).withAnnotations(annotations);
    if (!ext.labels().isEmpty()) {
      claim = claim.withLabels(ext.labels());
    }
    if (!ext.neverTimeout()) {
      Duration retention =
          ext.reservePausedDuration()
              .map(v -> PausedRetention.parse(v, MetadataKeys.EXT_RESERVE_PAUSED_SANDBOX_DURATION))
              .orElse(pausedRetention);
      Deadlines deadlines = Deadlines.running(started, req.timeout(), req.autoPause(), retention);
      claim =
          claim
              .withShutdownTime(Timeouts.format(deadlines.shutdownTime()))
              .withPauseTime(
                  deadlines.pauseTime() == null ? null : Timeouts.format(deadlines.pauseTime()));
    }
    return ext.image().isPresent() ? claim.withImage(ext.image().get()) : claim;
  }
}
