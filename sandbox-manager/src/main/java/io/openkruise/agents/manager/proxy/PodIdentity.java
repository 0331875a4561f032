package io.openkruise.agents.manager.proxy;

import io.fabric8.kubernetes.api.model.Pod;
import io.openkruise.agents.api.OwnerReferences;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxStatus;
import java.util.Optional;

/**
 * Pure decision: is {@code pod} still the pod behind the sandbox's {@code status.sandboxIp}? The
 * status is what the controller last saw; if the pod died while nobody updated it (controller
 * down), the IP may since belong to another tenant's pod. Dial only when the pod of the sandbox's
 * name is alive, controlled by this Sandbox (UID), is the pod the status names ({@code
 * podInfo.podUID}), and has the IP the status names.
 */
final class PodIdentity {

  /** The outcome; {@code reason} says why not, for the log. */
  record Verdict(boolean same, String reason) {
    static final Verdict SAME = new Verdict(true, "");

    static Verdict not(String reason) {
      return new Verdict(false, reason);
    }
  }

  private PodIdentity() {}

  static Verdict check(Sandbox sandbox, Optional<Pod> pod) {
    SandboxStatus status = sandbox.getStatus();
    String ip = status == null ? null : status.getSandboxIp();
    if (ip == null || ip.isEmpty()) {
      return Verdict.not("no sandboxIp");
    }
    if (pod.isEmpty()) {
      return Verdict.not("no pod " + sandbox.getMetadata().getName());
    }
    Pod p = pod.get();
    if (p.getMetadata().getDeletionTimestamp() != null) {
      return Verdict.not("pod is terminating");
    }
    if (!OwnerReferences.controlledBy(p, sandbox)) {
      return Verdict.not("pod is not controlled by this Sandbox");
    }
    String expectedUid = status.getPodInfo() == null ? null : status.getPodInfo().getPodUID();
    if (expectedUid != null && !expectedUid.equals(p.getMetadata().getUid())) {
      return Verdict.not("pod UID " + p.getMetadata().getUid() + " is not " + expectedUid);
    }
    String podIp = p.getStatus() == null ? null : p.getStatus().getPodIP();
    if (!ip.equals(podIp)) {
      return Verdict.not("pod IP " + podIp + " is not " + ip);
    }
    return Verdict.SAME;
  }
}
