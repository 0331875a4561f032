package io.openkruise.agents.localcluster.node;

/**
 * Latest probe outcomes of one container.
 *
 * @param started the startup probe passed once (true when there is none)
 * @param ready the readiness probe's last outcome (true when there is none), meaningful once
 *     started
 * @param message why the container is not ready yet, or null
 */
public record ProbeState(boolean started, boolean ready, String message) {
  public static final ProbeState PASSING = new ProbeState(true, true, null);
}
