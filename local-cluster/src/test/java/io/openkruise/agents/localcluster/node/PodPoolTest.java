package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.junit.WithLocalCluster;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A warm pool's worth of pods on one node: all become Ready, all stop when deleted. Prints
 * create-to-Ready latency and memory per pod (measurements for docs/testing.md, not assertions).
 */
@WithLocalCluster
@io.openkruise.agents.testing.tier.ClusterTier
class PodPoolTest {
  private static final int POOL = Integer.getInteger("kruise.pod-pool.size", 100);
  private static final int SEQUENTIAL = 20;

  @BeforeAll
  static void realTierOnly(LocalCluster cluster) {
    assumeTrue(cluster.node().isPresent(), "needs the node simulator: " + cluster.description());
  }

  @Test
  void aPoolOfPodsBecomesReadyAndStops(
      KubernetesClient client, LocalNode node, LocalCluster cluster) throws Exception {
    Map<String, Long> readyAt = new ConcurrentHashMap<>();
    Map<String, CountDownLatch> latches = new ConcurrentHashMap<>();
    try (Watch w = client.pods().watch(readyRecorder(readyAt, latches))) {
      // One pod at a time: the latency a single claim-and-create sees.
      List<Long> single = new ArrayList<>();
      for (int i = 0; i < SEQUENTIAL; i++) {
        String name = "single-" + i;
        latches.put(name, new CountDownLatch(1));
        long t0 = System.nanoTime();
        client.resource(LocalNodeTest.sandboxPod(name)).create();
        assertThat(latches.get(name).await(30, TimeUnit.SECONDS)).isTrue();
        single.add(readyAt.get(name) - t0);
      }
      client.pods().withLabel("app", "local-node-test").delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> node.pods().count() == 0);

      Snapshot before = Snapshot.take(cluster);
      Map<String, Long> createdAt = new ConcurrentHashMap<>();
      long start = System.nanoTime();
      IntStream.range(0, POOL)
          .parallel()
          .forEach(
              i -> {
                String name = "pool-" + i;
                latches.put(name, new CountDownLatch(1));
                createdAt.put(name, System.nanoTime());
                client.resource(LocalNodeTest.sandboxPod(name)).create();
              });
      for (int i = 0; i < POOL; i++) {
        assertThat(latches.get("pool-" + i).await(120, TimeUnit.SECONDS))
            .as("pool-" + i + " Ready")
            .isTrue();
      }
      long allReady = System.nanoTime() - start;
      Snapshot after = Snapshot.take(cluster);
      assertThat(node.pods().count()).isEqualTo(POOL);

      List<Long> pool = new ArrayList<>();
      createdAt.forEach((name, t) -> pool.add(readyAt.get(name) - t));
      System.out.printf(
          "[pod-pool] single pod create->Ready over %d pods: p50 %.1f ms, p95 %.1f ms, max %.1f"
              + " ms%n",
          SEQUENTIAL, ms(pct(single, 50)), ms(pct(single, 95)), ms(pct(single, 100)));
      System.out.printf(
          "[pod-pool] %d pods created in parallel: all Ready after %.0f ms; per pod p50 %.0f ms,"
              + " p95 %.0f ms%n",
          POOL, ms(allReady), ms(pct(pool, 50)), ms(pct(pool, 95)));
      System.out.printf(
          "[pod-pool] per pod: JVM heap %+.1f KiB, JVM threads %+.2f, apiserver+etcd+kcm RSS"
              + " %+.0f KiB%n",
          (after.heap - before.heap) / 1024.0 / POOL,
          (after.threads - before.threads) / (double) POOL,
          (after.controlPlaneRssKib - before.controlPlaneRssKib) / (double) POOL);

      client.pods().withLabel("app", "local-node-test").delete();
      await().atMost(Duration.ofSeconds(120)).until(() -> node.pods().count() == 0);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> client.pods().withLabel("app", "local-node-test").list().getItems().isEmpty());
    }
  }

  private static Watcher<Pod> readyRecorder(
      Map<String, Long> readyAt, Map<String, CountDownLatch> latches) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        String name = pod.getMetadata().getName();
        if (LocalNodeTest.isReady(pod) && readyAt.putIfAbsent(name, System.nanoTime()) == null) {
          CountDownLatch l = latches.get(name);
          if (l != null) {
            l.countDown();
          }
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  private record Snapshot(long heap, int threads, long controlPlaneRssKib) {
    static Snapshot take(LocalCluster cluster) throws InterruptedException {
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(100);
      }
      Runtime rt = Runtime.getRuntime();
      long cp =
          cluster.kubernetes().orElseThrow().processes().stream()
              .mapToLong(h -> rssKib(h.pid()))
              .sum();
      return new Snapshot(
          rt.totalMemory() - rt.freeMemory(),
          ManagementFactory.getThreadMXBean().getThreadCount(),
          cp);
    }
  }

  static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // process gone or no procfs
    }
    return 0;
  }

  private static long pct(List<Long> values, int p) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
  }

  private static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }
}
