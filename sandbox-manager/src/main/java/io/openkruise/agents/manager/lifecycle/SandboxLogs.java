package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.LogQuery;
import io.openkruise.agents.manager.e2b.SandboxView;
import java.time.Clock;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The sandbox's container log (pods/log of its first container, the one the template runs), read
 * with timestamps and bounded in bytes and lines, then selected as E2B's log queries ask.
 */
final class SandboxLogs {

  private static final Logger LOG = Logger.getLogger(SandboxLogs.class);

  /** At most this much of a log is read per request. */
  static final int MAX_BYTES = 1024 * 1024;

  private final KubernetesClient client;
  private final Clock clock;

  SandboxLogs(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  List<LogQuery.Line> read(Sandbox s, LogQuery q) {
    if (SandboxState.of(s, clock.instant()) != SandboxState.RUNNING) {
      return List.of(); // a paused sandbox has no pod, so no log to read
    }
    String container = mainContainer(s);
    try {
      var pod =
          client
              .pods()
              .inNamespace(s.getMetadata().getNamespace())
              .withName(s.getMetadata().getName());
      var logs = (container == null ? pod : pod.inContainer(container)).usingTimestamps();
      String text;
      if (q.backward()) {
        // Newest lines first: the tail is what a backward page starts from (without a cursor).
        text =
            logs.limitBytes(MAX_BYTES)
                .tailingLines(
                    q.from().isPresent() ? 10 * LogQuery.MAX_LIMIT : Math.max(q.limit(), 1))
                .getLog();
      } else if (q.from().isPresent()) {
        text = logs.limitBytes(MAX_BYTES).sinceTime(q.from().get().toString()).getLog();
      } else {
        text = logs.limitBytes(MAX_BYTES).getLog();
      }
      return q.select(LogQuery.parse(text));
    } catch (KubernetesClientException e) {
      // No pod yet or any more, or a node that serves no logs: nothing to show, not a failure.
      LOG.debugf("no log for sandbox=%s: %s", SandboxView.id(s), e.getMessage());
      return List.of();
    }
  }

  private static String mainContainer(Sandbox s) {
    if (s.getSpec() == null
        || s.getSpec().getTemplate() == null
        || s.getSpec().getTemplate().getSpec() == null) {
      return null;
    }
    List<Container> containers = s.getSpec().getTemplate().getSpec().getContainers();
    return containers == null || containers.isEmpty() ? null : containers.get(0).getName();
  }
}
