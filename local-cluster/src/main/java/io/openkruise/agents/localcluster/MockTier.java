package io.openkruise.agents.localcluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;

/**
 * The explicit fallback tier: fabric8's CRUD mock server. Kept in its own class so that the
 * optional mock-server jar is only needed when this tier is asked for.
 */
final class MockTier {
  private MockTier() {}

  static LocalCluster start() {
    try {
      Class.forName("io.fabric8.kubernetes.client.server.mock.KubernetesMockServer");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          LocalCluster.TIER_PROPERTY
              + "=mock needs io.fabric8:kubernetes-server-mock on the test class path");
    }
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()),
            false);
    server.init();
    try {
      Path dir = Files.createTempDirectory("kruise-local-cluster-mock-");
      String url = "http://" + server.getHostName() + ":" + server.getPort();
      Path kubeconfig = dir.resolve("kubeconfig");
      Files.writeString(
          kubeconfig,
          "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: "
              + url
              + "\nusers:\n- name: mock\n  user:\n    token: mock\ncontexts:\n- name: mock\n"
              + "  context:\n    cluster: mock\n    user: mock\n    namespace: default\n"
              + "current-context: mock\n");
      Config config =
          new ConfigBuilder(Config.empty())
              .withMasterUrl(url)
              .withTrustCerts(true)
              .withOauthToken("mock")
              .withNamespace("default")
              .build();
      return LocalCluster.mock(
          "fabric8 CRUD mock server at "
              + url
              + " (mock tier: no schema validation, no garbage collection, pods never run)",
          kubeconfig,
          config,
          server::destroy,
          dir);
    } catch (IOException e) {
      server.destroy();
      throw new UncheckedIOException(e);
    }
  }

  static List<URL> crdUrls() {
    return LocalKubernetes.crdResourcesOnClasspath();
  }
}
