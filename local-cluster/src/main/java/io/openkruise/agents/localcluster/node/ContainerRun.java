package io.openkruise.agents.localcluster.node;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What the simulated container runtime did for one container: the image it runs and since when.
 *
 * @param name container name
 * @param image image as written in the spec when the container (re)started
 * @param restartCount restarts so far (in-place image updates count as restarts, as on a kubelet)
 * @param startedAt start of the current run
 * @param previousStartedAt start of the run before the last restart, or null
 * @param previousFinishedAt end of that run, or null
 * @param podUid for the container ID
 */
public record ContainerRun(
    String name,
    String image,
    int restartCount,
    Instant startedAt,
    Instant previousStartedAt,
    Instant previousFinishedAt,
    String podUid) {

  public static ContainerRun started(String podUid, String name, String image, Instant now) {
    return new ContainerRun(name, image, 0, now, null, null, podUid);
  }

  /** The container after its image changed in the spec: a restart with the new image. */
  public ContainerRun restartedWith(String newImage, Instant now) {
    return new ContainerRun(name, newImage, restartCount + 1, now, startedAt, now, podUid);
  }

  /**
   * A stable digest-style ID: the same image name always gets the same ID and another name another
   * one, which is what in-place update tracking compares.
   */
  public String imageId() {
    return imageId(image);
  }

  public static String imageId(String image) {
    try {
      byte[] sha =
          MessageDigest.getInstance("SHA-256").digest(image.getBytes(StandardCharsets.UTF_8));
      return "local://" + image + "@sha256:" + HexFormat.of().formatHex(sha);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String containerId() {
    return "local://" + podUid + "/" + name + "/" + restartCount;
  }
}
