package io.openkruise.agents.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** One sandbox: exactly one Pod, with timeouts, pause/resume and in-place image updates. */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Singular("sandbox")
@Plural("sandboxes")
@ShortNames("sbx")
@AdditionalPrinterColumn(
    name = "Status",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "shutdown_time",
    jsonPath = ".spec.shutdownTime",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "pause_time",
    jsonPath = ".spec.pauseTime",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Message",
    jsonPath = ".status.message",
    type = AdditionalPrinterColumn.Type.STRING)
// Priority 1: only `kubectl get sbx -o wide` shows the E2B ID; the default columns stay the seeds'.
@AdditionalPrinterColumn(
    name = "Sandbox_ID",
    jsonPath = ".metadata.labels.agents\\.kruise\\.io/sandbox-id",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
public class Sandbox extends CustomResource<SandboxSpec, SandboxStatus> implements Namespaced {}
