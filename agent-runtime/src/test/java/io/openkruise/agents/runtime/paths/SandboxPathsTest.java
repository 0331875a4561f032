package io.openkruise.agents.runtime.paths;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.openkruise.agents.testing.tier.UnitTier
class SandboxPathsTest {
  @TempDir Path tmp;

  @Test
  void normalizesRelativeAndHomePaths() throws Exception {
    assertThat(SandboxPaths.normalize("a/b", "/home/user")).isEqualTo("/home/user/a/b");
    assertThat(SandboxPaths.normalize("~/x", "/home/user")).isEqualTo("/home/user/x");
    assertThat(SandboxPaths.normalize("/a/./b/../c/", "/home/user")).isEqualTo("/a/c");
    assertThat(SandboxPaths.normalize("../..", "/home/user")).isEqualTo("/");
  }

  @Test
  void rejectsClimbingAboveRootAndEmptyPaths() {
    assertThatThrownBy(() -> SandboxPaths.normalize("/../etc", "/home/user"))
        .isInstanceOf(PathAccessException.class);
    assertThatThrownBy(() -> SandboxPaths.normalize("../../../..", "/home/user"))
        .isInstanceOf(PathAccessException.class);
    assertThatThrownBy(() -> SandboxPaths.normalize("", "/home/user"))
        .isInstanceOf(PathAccessException.class);
    assertThatThrownBy(() -> SandboxPaths.normalize("a\0b", "/home/user"))
        .isInstanceOf(PathAccessException.class);
  }

  @Test
  void mapsUnderRootAndBack() throws Exception {
    SandboxPaths p = new SandboxPaths(tmp.resolve("root"));
    Path h = p.resolve("/home/user/f", "/home/user");
    assertThat(h).isEqualTo(tmp.resolve("root/home/user/f"));
    assertThat(p.toSandbox(h)).isEqualTo("/home/user/f");
    assertThat(p.toSandbox(tmp.resolve("root"))).isEqualTo("/");
    assertThat(p.isIdentity()).isFalse();
  }

  @Test
  void aSimulatedSandboxTakesHostPathsUnderItsRootAndSeesTheHostsProc() throws Exception {
    SandboxPaths p = new SandboxPaths(tmp.resolve("root"));
    String hostHome = tmp.resolve("root/home/user").toString();
    assertThat(p.sandboxPath(hostHome + "/x", "/home/user")).isEqualTo("/home/user/x");
    assertThat(p.sandboxPath(tmp.resolve("root").toString(), "/home/user")).isEqualTo("/");
    assertThat(p.sandboxPath(tmp + "/rootless", "/home/user")).isEqualTo(tmp + "/rootless");
    assertThat(p.resolve(hostHome + "/x", "/home/user")).isEqualTo(tmp.resolve("root/home/user/x"));
    assertThat(p.resolve("/proc/self/status", "/")).isEqualTo(Path.of("/proc/self/status"));
    assertThatThrownBy(() -> p.checkWritable("/proc/sys/kernel/x"))
        .isInstanceOf(PathAccessException.class);
    p.checkWritable("/home/user/x");
    SandboxPaths identity = new SandboxPaths(Path.of("/"));
    identity.checkWritable("/proc/self/attr/current"); // a container's own /proc
  }

  @Test
  void identityModeForRootSlash() throws Exception {
    SandboxPaths p = new SandboxPaths(Path.of("/"));
    assertThat(p.isIdentity()).isTrue();
    assertThat(p.resolve("/etc/hostname", "/home/user")).isEqualTo(Path.of("/etc/hostname"));
    assertThat(p.toSandbox(Path.of("/etc"))).isEqualTo("/etc");
  }

  @Test
  void symlinksMayNotLeadOutsideUnlessAllowed() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(root.resolve("link"), outside);
    SandboxPaths p = new SandboxPaths(root);
    assertThatThrownBy(() -> p.resolve("/link/x", "/")).isInstanceOf(PathAccessException.class);
    p.allow(outside);
    assertThat(p.resolve("/link/x", "/")).isEqualTo(root.resolve("link/x"));
    Files.createSymbolicLink(root.resolve("inner"), root.resolve("link"));
    assertThat(p.resolve("/inner", "/")).isEqualTo(root.resolve("inner"));
  }
}
