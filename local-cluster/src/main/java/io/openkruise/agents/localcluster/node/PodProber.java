package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.openkruise.agents.runtime.RuntimeOptions;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Runs a pod's startup and readiness probes against its address and records the outcome in its
 * {@link PodRun}. Unlike a kubelet it probes as soon as the runtime is up ({@code
 * initialDelaySeconds} is ignored), retries a failing probe every {@link #RETRY}, and runs a Ready
 * container's readiness probe every {@code periodSeconds}. A process container that exited is
 * unready with its exit code and log.
 */
final class PodProber implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PodProber.class.getName());

  /** Delay between attempts while a probe fails. */
  static final Duration RETRY = Duration.ofMillis(100);

  private final boolean assumeUnservedPortsReady;
  private final ProbeRunner probes;

  PodProber(Vertx vertx, boolean assumeUnservedPortsReady) {
    this.assumeUnservedPortsReady = assumeUnservedPortsReady;
    this.probes = new ProbeRunner(vertx);
  }

  /**
   * Runs the probes that are due and records their outcome in the slot.
   *
   * @return milliseconds until the next probe round, or 0 when none is needed
   */
  long probe(Pod pod, PodSlot slot) {
    if (System.nanoTime() < slot.nextProbeNanos) {
      return 0;
    }
    long next = 0;
    for (Container c : pod.getSpec().getContainers()) {
      ProbeState state = slot.run.probe(c.getName());
      ProcessContainer process = slot.processes.get(c.getName());
      Optional<Integer> exit = process == null ? Optional.empty() : process.exitCode();
      if (exit.isPresent()) {
        String why = "container process exited with code " + exit.get() + "; log: " + process.log();
        if (!why.equals(state.message())) {
          LOG.warning(Cache.metaNamespaceKeyFunc(pod) + ": " + why + "\n" + process.tail(20));
        }
        slot.run = slot.run.withProbe(c.getName(), new ProbeState(state.started(), false, why));
        continue;
      }
      boolean started = state.started();
      String failure = null;
      if (!started) {
        failure = run(c.getStartupProbe(), c, slot.ip, process != null);
        started = failure == null;
      }
      boolean ready = false;
      if (started) {
        failure = run(c.getReadinessProbe(), c, slot.ip, process != null);
        ready = failure == null;
      }
      slot.run = slot.run.withProbe(c.getName(), new ProbeState(started, ready, failure));
      long delay = delayMillis(ready, c.getReadinessProbe(), RETRY);
      if (delay > 0) {
        next = next == 0 ? delay : Math.min(next, delay);
      }
    }
    slot.nextProbeNanos = next == 0 ? Long.MAX_VALUE : System.nanoTime() + next * 1_000_000 - 1;
    return next;
  }

  /**
   * When a container's probes run again: soon while it is not ready, every {@code periodSeconds}
   * (default 10) while a readiness probe keeps passing, never when it is ready without one.
   */
  static long delayMillis(boolean ready, Probe readiness, Duration retry) {
    if (!ready) {
      return retry.toMillis();
    }
    if (readiness == null) {
      return 0;
    }
    Integer s = readiness.getPeriodSeconds();
    return (s == null || s <= 0 ? 10 : s) * 1000L;
  }

  /**
   * Whether a probe passes without running: {@link LocalNodeOptions#assumeUnservedPortsReady()} and
   * it aims at a port of the pod's own address that the runtime does not serve (a container the
   * runtime stands in for, not one run as a process).
   */
  static boolean assumedPassing(boolean assume, ProbeTarget t, String ip, boolean ownProcess) {
    boolean served =
        t.port() == RuntimeOptions.DEFAULT_ENVD_PORT
            || t.port() == RuntimeOptions.DEFAULT_CODE_INTERPRETER_PORT;
    return assume
        && !ownProcess
        && t.kind() != ProbeTarget.Kind.ASSUMED_PASSING
        && ip.equals(t.host())
        && !served;
  }

  /**
   * @return null when the probe passes (or there is none), else why it failed
   */
  private String run(Probe probe, Container c, String ip, boolean ownProcess) {
    if (probe == null) {
      return null;
    }
    ProbeTarget t = ProbeTarget.resolve(probe, c, ip);
    if (assumedPassing(assumeUnservedPortsReady, t, ip, ownProcess)) {
      return null;
    }
    long timeout = (probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds()) * 1000L;
    try {
      return probes
          .check(t, timeout)
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return "probe timed out";
    } catch (Exception e) {
      return "probe error: " + e;
    }
  }

  @Override
  public void close() {
    probes.close();
  }
}
