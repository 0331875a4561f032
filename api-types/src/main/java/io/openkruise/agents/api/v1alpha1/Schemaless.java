package io.openkruise.agents.api.v1alpha1;

/**
 * Schema stand-in for fields the CRD keeps schemaless ({@code
 * x-kubernetes-preserve-unknown-fields}), like the original does for pod templates: the API server
 * must not prune pod fields it would otherwise need a 10k-line schema to describe.
 */
final class Schemaless {
  private Schemaless() {}
}
