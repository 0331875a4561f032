package io.openkruise.agents.bench;

import java.util.ArrayList;
import java.util.List;

/** The smoke run's verdict: counts only, never timings. */
final class SmokeCheck {
  private SmokeCheck() {}

  static List<String> problems(Recorder.Counts c) {
    List<String> p = new ArrayList<>();
    if (c.sent() == 0) {
      p.add("no create was sent");
    }
    if (c.answered() != c.sent()) {
      p.add((c.sent() - c.answered()) + " of " + c.sent() + " creates got no answer");
    }
    if (c.ok() != c.sent()) {
      p.add(
          (c.sent() - c.ok())
              + " of "
              + c.sent()
              + " creates failed: "
              + c.statuses()
              + " "
              + c.errors());
    }
    if (c.duplicates() > 0) {
      p.add(c.duplicates() + " sandbox IDs were handed out twice (double allocation)");
    }
    if (c.failedDeletes() > 0) {
      p.add(c.failedDeletes() + " deletes failed");
    }
    return p;
  }
}
