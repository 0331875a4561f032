package io.openkruise.agents.localcluster.realnode;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;

/**
 * What the real-node test tiers share around their own setup: skipping where this machine cannot
 * run a real node (with the reason printed, as the tiers report it), and tearing down in order.
 */
public final class RealNodeTier {

  private RealNodeTier() {}

  /**
   * Skips the calling test class (a JUnit assumption) where {@link MachineCheck} finds this machine
   * unfit, printing {@code [tier] SKIPPED: reason}.
   */
  public static void assumeThisMachine(String tier) {
    Optional<String> why = MachineCheck.whyNotThisMachine();
    why.ifPresent(r -> System.out.println("[" + tier + "] SKIPPED: " + r));
    assumeTrue(why.isEmpty(), () -> tier + " skipped: " + why.orElse(""));
  }

  /**
   * Closes each non-null resource in the order given (the node before its cluster), all of them
   * even when one fails; the first failure is thrown at the end.
   */
  public static void closeInOrder(AutoCloseable... resources) {
    RuntimeException failed = null;
    for (AutoCloseable r : resources) {
      if (r == null) {
        continue;
      }
      try {
        r.close();
      } catch (Exception e) {
        if (failed == null) {
          failed = e instanceof RuntimeException re ? re : new IllegalStateException(e);
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }
}
