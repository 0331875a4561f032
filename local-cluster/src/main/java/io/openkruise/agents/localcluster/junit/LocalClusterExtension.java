package io.openkruise.agents.localcluster.junit;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.node.LocalNode;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension behind {@link WithLocalCluster}. The cluster itself is {@link
 * LocalCluster#shared()} (one per JVM, stopped by a shutdown hook); per test class the extension
 * creates a namespace and a client defaulting to it, and deletes both after the class.
 */
public final class LocalClusterExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(LocalClusterExtension.class);

  /** Per test class: its namespace and client; closed (namespace deleted) after the class. */
  static final class ClassScope implements AutoCloseable {
    final LocalCluster cluster;
    final String namespace;
    final KubernetesClient client;

    ClassScope(LocalCluster cluster, String namespace) {
      this.cluster = cluster;
      this.namespace = namespace;
      this.client = cluster.newClient(namespace);
    }

    @Override
    public void close() {
      try {
        // No wait: the namespace controller empties it in the background.
        client.namespaces().withName(namespace).delete();
      } catch (RuntimeException e) {
        // the cluster may already be gone at the very end of the run
      } finally {
        client.close();
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
    Class<?> type = p.getParameter().getType();
    return type == KubernetesClient.class
        || type == LocalCluster.class
        || type == LocalNode.class
        || (type == String.class && p.isAnnotated(TestNamespace.class));
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
    Class<?> type = p.getParameter().getType();
    if (type == LocalCluster.class) {
      return LocalCluster.shared();
    }
    if (type == LocalNode.class) {
      return LocalCluster.shared()
          .node()
          .orElseThrow(
              () ->
                  new ParameterResolutionException(
                      "no LocalNode: " + LocalCluster.shared().description()));
    }
    ClassScope scope = scope(ctx);
    return type == KubernetesClient.class ? scope.client : scope.namespace;
  }

  private static ClassScope scope(ExtensionContext ctx) {
    ExtensionContext classCtx = ctx;
    while (classCtx.getTestMethod().isPresent() && classCtx.getParent().isPresent()) {
      classCtx = classCtx.getParent().get();
    }
    Class<?> testClass = classCtx.getRequiredTestClass();
    // AutoCloseable values in the store are closed when the class's context ends.
    return classCtx
        .getStore(STORE)
        .getOrComputeIfAbsent(
            ClassScope.class,
            k -> {
              LocalCluster cluster = LocalCluster.shared();
              return new ClassScope(cluster, cluster.createNamespace(testClass.getSimpleName()));
            },
            ClassScope.class);
  }
}
