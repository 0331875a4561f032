package io.openkruise.agents.api.claim;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a claimer writes onto the sandbox it takes, besides the protocol's own keys.
 *
 * @param owner E2B API key ID or SandboxClaim UID, written to {@code agents.kruise.io/owner}
 * @param labels extra labels (e.g. {@code claim-name}, a claim's {@code spec.labels})
 * @param annotations extra annotations (E2B metadata, runtime access token, a claim's annotations)
 * @param shutdownTime new {@code spec.shutdownTime} (RFC 3339), or empty to leave it
 * @param pauseTime new {@code spec.pauseTime} (RFC 3339), or empty to leave it
 * @param image new image of the first container (in-place update), or empty
 */
public record ClaimRequest(
    String owner,
    Map<String, String> labels,
    Map<String, String> annotations,
    Optional<String> shutdownTime,
    Optional<String> pauseTime,
    Optional<String> image) {

  public ClaimRequest {
    Objects.requireNonNull(owner, "owner");
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
    Objects.requireNonNull(shutdownTime, "shutdownTime");
    Objects.requireNonNull(pauseTime, "pauseTime");
    Objects.requireNonNull(image, "image");
  }

  /** A request that only sets the owner. */
  public static ClaimRequest forOwner(String owner) {
    return new ClaimRequest(
        owner, Map.of(), Map.of(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public ClaimRequest withLabels(Map<String, String> value) {
    return new ClaimRequest(owner, value, annotations, shutdownTime, pauseTime, image);
  }

  public ClaimRequest withAnnotations(Map<String, String> value) {
    return new ClaimRequest(owner, labels, value, shutdownTime, pauseTime, image);
  }

  public ClaimRequest withShutdownTime(String value) {
    return new ClaimRequest(
        owner, labels, annotations, Optional.ofNullable(value), pauseTime, image);
  }

  public ClaimRequest withPauseTime(String value) {
    return new ClaimRequest(
        owner, labels, annotations, shutdownTime, Optional.ofNullable(value), image);
  }

  public ClaimRequest withImage(String value) {
    return new ClaimRequest(
        owner, labels, annotations, shutdownTime, pauseTime, Optional.ofNullable(value));
  }
}
