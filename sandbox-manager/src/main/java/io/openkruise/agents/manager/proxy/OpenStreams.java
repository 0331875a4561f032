package io.openkruise.agents.manager.proxy;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Connect streams the proxy has open, by sandbox ID, so a sandbox that the cache sees killed,
 * expired or paused has its streams ended at once ({@link ConnectStreamGuard#sandboxGone}).
 */
final class OpenStreams {
  private final Map<String, Set<ConnectStreamGuard>> bySandbox = new ConcurrentHashMap<>();
  private final Clock clock;

  OpenStreams(Clock clock) {
    this.clock = clock;
  }

  /** Registers {@code g}; the returned action removes it. */
  Runnable add(String sandboxId, ConnectStreamGuard g) {
    bySandbox.computeIfAbsent(sandboxId, k -> ConcurrentHashMap.newKeySet()).add(g);
    return () ->
        bySandbox.computeIfPresent(
            sandboxId,
            (k, set) -> {
              set.remove(g);
              return set.isEmpty() ? null : set;
            });
  }

  /** Cache event: {@code deleted}, or an update. */
  void changed(Sandbox s, boolean deleted) {
    String id =
        s.getMetadata().getLabels() == null
            ? null
            : s.getMetadata().getLabels().get(MetadataKeys.LABEL_SANDBOX_ID);
    if (id == null || !bySandbox.containsKey(id)) {
      return;
    }
    if (deleted || gone(SandboxState.of(s, clock.instant()))) {
      Set<ConnectStreamGuard> open = bySandbox.remove(id);
      if (open != null) {
        open.forEach(ConnectStreamGuard::sandboxGone);
      }
    }
  }

  /** The states in which the sandbox's pod is (being) deleted. */
  static boolean gone(SandboxState state) {
    return state == SandboxState.DEAD || state == SandboxState.PAUSED;
  }

  int size() {
    return bySandbox.values().stream().mapToInt(Set::size).sum();
  }
}
