package io.openkruise.agents.controller.sandboxset;

import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSetStatus;
import io.openkruise.agents.controller.support.EventNote;
import java.util.List;

/**
 * One SandboxSet reconcile: members to create, members to remove, and the status to write.
 *
 * @param create new members, ready to be created
 * @param deleteDead dead members (terminal, expired): deleted outright, nobody can claim them
 * @param scaleDown live unclaimed members to remove: locked first so a concurrent claim wins
 */
record SandboxSetPlan(
    List<Sandbox> create,
    List<Sandbox> deleteDead,
    List<Sandbox> scaleDown,
    SandboxSetStatus status,
    List<EventNote> events) {}
