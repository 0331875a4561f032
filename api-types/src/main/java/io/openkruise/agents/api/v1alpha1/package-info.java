/** CRD model of {@code agents.kruise.io/v1alpha1}: Sandbox, SandboxSet and SandboxClaim. */
package io.openkruise.agents.api.v1alpha1;
