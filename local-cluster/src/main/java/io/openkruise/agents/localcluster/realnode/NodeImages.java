package io.openkruise.agents.localcluster.realnode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The node containerd's image store ({@code k8s.io} namespace), through {@code ctr}. */
record NodeImages(Path ctrBinary, Path socket) {

  /** Whether containerd answers on its socket. */
  boolean containerdAnswers() {
    return java.nio.file.Files.exists(socket) && ctr("version").rc() == 0;
  }

  /** Imports a Docker "save" or OCI archive. */
  void importImage(Path tar) {
    HostCommand.Result r = ctr("images", "import", tar.toString());
    if (r.rc() != 0) {
      throw new IllegalStateException("ctr images import " + tar + " failed:\n" + r.output());
    }
  }

  private HostCommand.Result ctr(String... args) {
    List<String> cmd =
        new ArrayList<>(List.of(ctrBinary.toString(), "-a", socket.toString(), "-n", "k8s.io"));
    cmd.addAll(List.of(args));
    return HostCommand.run(cmd, Duration.ofMinutes(5));
  }
}
