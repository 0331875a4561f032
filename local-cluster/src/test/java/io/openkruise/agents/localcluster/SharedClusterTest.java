package io.openkruise.agents.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * One cluster per JVM even across class loaders: a copy of {@link LocalCluster} loaded by another
 * class loader (as Quarkus does for tests and test resources) gets a view of the cluster that the
 * system class loader's copy owns, never a second cluster.
 */
@io.openkruise.agents.testing.tier.ClusterTier
class SharedClusterTest {

  @Test
  void anotherClassLoaderGetsAViewOfTheSameCluster() throws Exception {
    try (URLClassLoader isolated =
        new URLClassLoader(classPath(), ClassLoader.getPlatformClassLoader())) {
      Class<?> copy = isolated.loadClass(LocalCluster.class.getName());
      assertThat(copy).isNotSameAs(LocalCluster.class);

      // Possibly the first use in this JVM: the owner must still end up in the system loader.
      // Quarkus sets the context class loader to its own, and fabric8's service lookup needs that.
      Thread me = Thread.currentThread();
      ClassLoader before = me.getContextClassLoader();
      Object view;
      me.setContextClassLoader(isolated);
      try {
        view = copy.getMethod("shared").invoke(null);
      } finally {
        me.setContextClassLoader(before);
      }
      LocalCluster owner = LocalCluster.shared();

      assertThat(copy.getMethod("description").invoke(view)).isEqualTo(owner.description());
      assertThat(copy.getMethod("node").invoke(view)).isEqualTo(Optional.empty());
      assertThat(owner.node().isPresent()).isEqualTo(owner.isReal());
      @SuppressWarnings("unchecked")
      Map<String, String> viaView =
          (Map<String, String>)
              copy.getMethod("quarkusConfig", String.class).invoke(view, "default");
      assertThat(viaView.get("quarkus.kubernetes-client.api-server-url"))
          .isEqualTo(owner.config().getMasterUrl());
    }
  }

  private static URL[] classPath() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(new File(entry).toURI().toURL());
    }
    return urls.toArray(URL[]::new);
  }
}
