package io.openkruise.agents.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Declarative claim of {@code spec.replicas} sandboxes from the SandboxSet named by {@code
 * spec.templateName} in the claim's own namespace. Job semantics: Claiming until all are claimed or
 * the claim times out, then Completed; the claim is deleted after {@code ttlAfterCompleted}, the
 * sandboxes are kept.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Singular("sandboxclaim")
@Plural("sandboxclaims")
@ShortNames("sbc")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Template",
    jsonPath = ".spec.templateName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Desired",
    jsonPath = ".spec.replicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Claimed",
    jsonPath = ".status.claimedReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class SandboxClaim extends CustomResource<SandboxClaimSpec, SandboxClaimStatus>
    implements Namespaced {}
