package io.openkruise.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many instances in one JVM on one Vertx: isolation, address conflicts, shutdown, memory. */
@io.openkruise.agents.testing.tier.UnitTier
class MultiInstanceTest {
  @TempDir Path scratch;

  static AgentRuntime start(Vertx vertx, String host, int port, Path root) throws Exception {
    return AgentRuntime.start(
            vertx,
            RuntimeOptions.builder()
                .host(host)
                .rootDir(root)
                .envdPort(port)
                .codeInterpreter(true)
                .codeInterpreterPort(port == 0 ? 0 : port + 1)
                .unauthenticated(true)
                .build())
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void instancesOnDistinctLoopbackAddressesAreIsolated() throws Exception {
    Vertx vertx = Vertx.vertx();
    Path base = Files.createTempDirectory(scratch, "multi");
    int port = 40000 + (int) (ProcessHandle.current().pid() % 20000);
    AgentRuntime one = start(vertx, "127.0.3.7", port, base.resolve("one"));
    AgentRuntime two = start(vertx, "127.0.3.8", port, base.resolve("two"));
    try {
      assertThat(one.envdPort()).isEqualTo(two.envdPort());
      Files.writeString(base.resolve("one/home/user/only-one"), "1");
      var http = java.net.http.HttpClient.newHttpClient();
      var get =
          (java.util.function.Function<String, Integer>)
              host -> {
                try {
                  return http.send(
                          java.net.http.HttpRequest.newBuilder(
                                  java.net.URI.create(
                                      "http://"
                                          + host
                                          + ":"
                                          + port
                                          + "/files?path=/home/user/only-one"))
                              .build(),
                          java.net.http.HttpResponse.BodyHandlers.discarding())
                      .statusCode();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              };
      assertThat(get.apply("127.0.3.7")).isEqualTo(200);
      assertThat(get.apply("127.0.3.8")).isEqualTo(404);
      // Vert.x would share a second server on one address; the runtime refuses instead.
      assertThatThrownBy(() -> start(vertx, "127.0.3.7", port, base.resolve("three")))
          .hasMessageContaining("already used");
    } finally {
      one.close().toCompletionStage().toCompletableFuture().get();
      two.close().toCompletionStage().toCompletableFuture().get();
    }
    // Ports are free again after close.
    AgentRuntime again = start(vertx, "127.0.3.7", port, base.resolve("one"));
    again.close().toCompletionStage().toCompletableFuture().get();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void closeKillsEveryProcessGroupIncludingDetachedChildren() throws Exception {
    try (TestRuntime rt = TestRuntime.start(true)) {
      List<Long> groups = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        var s = rt.startProcess("nohup sleep 300 >/dev/null 2>&1 & sleep 300", Map.of());
        groups.add(s.next().message().path("event").path("start").path("pid").asLong());
      }
      // A fire-and-forget daemon whose starting shell already exited.
      var s = rt.startProcess("nohup sleep 300 >/dev/null 2>&1 &", Map.of());
      long detached = s.next().message().path("event").path("start").path("pid").asLong();
      s.rest();
      groups.add(detached);
      // An interpreter process too.
      var r =
          rt.post(
              rt.ciUrl("/execute"),
              "application/json",
              "{\"code\":\"import os; os.getpid()\"}".getBytes());
      assertThat(r.statusCode()).isEqualTo(200);
      String pyPid = r.body().replaceAll("(?s).*\"text\":\"(\\d+)\".*", "$1");
      for (long g : groups.subList(0, 3)) {
        assertThat(Orphans.inGroup(g)).hasSizeGreaterThanOrEqualTo(2);
      }
      assertThat(Orphans.inGroup(detached)).hasSize(1);
      // The orphan detector TestRuntime.close() relies on does see them (3 x 2 sleeps + python).
      assertThat(Orphans.withSandboxRoot(rt.root)).hasSizeGreaterThanOrEqualTo(8);
      rt.runtime.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      for (long g : groups) {
        assertThat(Orphans.awaitGone(g, 5000)).as("group " + g).isEmpty();
      }
      assertThat(Orphans.awaitGone(Long.parseLong(pyPid), 5000)).isEmpty();
    }
  }

  /**
   * Heap held by idle instances: start N, GC, compare used heap. Prints the figure that
   * docs/agent-runtime.md quotes; asserts only a generous bound (no timing or tight numbers).
   */
  @Test
  void idleInstancesAreSmall() throws Exception {
    int n = 50;
    Vertx vertx = Vertx.vertx();
    Path base = Files.createTempDirectory(scratch, "mem");
    // Warm up class loading so it is not counted.
    start(vertx, "127.0.0.1", 0, base.resolve("warm"))
        .close()
        .toCompletionStage()
        .toCompletableFuture()
        .get();
    long before = usedHeapAfterGc();
    List<AgentRuntime> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(start(vertx, "127.0.4." + (i + 1), 0, base.resolve("r" + i)));
    }
    long after = usedHeapAfterGc();
    double perInstanceKb = (after - before) / 1024.0 / n;
    System.out.printf(
        "idle agent-runtime heap: %.1f KiB per instance (%d instances)%n", perInstanceKb, n);
    for (AgentRuntime rt : all) {
      rt.close().toCompletionStage().toCompletableFuture().get();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get();
    assertThat(perInstanceKb).isLessThan(5 * 1024);
  }

  static long usedHeapAfterGc() throws InterruptedException {
    var mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return mem.getHeapMemoryUsage().getUsed();
  }
}
