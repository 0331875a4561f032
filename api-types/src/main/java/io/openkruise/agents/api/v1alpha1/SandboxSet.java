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
 * A warm pool: keeps {@code spec.replicas} unclaimed Sandboxes (creating + available). Its name is
 * the E2B template ID. Has the scale subresource, so {@code kubectl scale sbs} and HPA work.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Singular("sandboxset")
@Plural("sandboxsets")
@ShortNames("sbs")
@AdditionalPrinterColumn(
    name = "Replicas",
    jsonPath = ".status.replicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Available",
    jsonPath = ".status.availableReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "UpdateRevision",
    jsonPath = ".status.updateRevision",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class SandboxSet extends CustomResource<SandboxSetSpec, SandboxSetStatus>
    implements Namespaced {}
