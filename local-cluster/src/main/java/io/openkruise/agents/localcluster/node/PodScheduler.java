package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** The scheduler half of the node: binds a pod to the node {@link NodePicker} picks. */
final class PodScheduler {
  private final Supplier<List<Node>> nodes;
  private final PodWrites writes;
  private final Clock clock;
  private final AtomicLong turn = new AtomicLong();

  /**
   * @param nodes the Nodes as they are now (their conditions and taints decide who takes pods)
   */
  PodScheduler(Supplier<List<Node>> nodes, PodWrites writes, Clock clock) {
    this.nodes = nodes;
    this.writes = writes;
    this.clock = clock;
  }

  /** Binds the pod, or marks it unschedulable when no node matches its node selector. */
  void schedule(Pod pod) {
    List<Node> now = nodes.get();
    Optional<String> target = NodePicker.pick(pod, now, turn.getAndIncrement());
    if (target.isPresent()) {
      writes.bind(pod, target.get());
    } else {
      NodePicker.unschedulable(pod, now.size(), clock.instant())
          .ifPresent(status -> writes.writeStatus(pod, status));
    }
  }
}
