package io.openkruise.agents.localcluster.junit;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.openkruise.agents.localcluster.LocalCluster;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: points the Quarkus kubernetes client (and so the operator SDK) at the
 * JVM's shared local cluster. Use {@code @WithTestResource(LocalClusterTestResource.class)} (or the
 * older {@code @QuarkusTestResource}); the returned config sets {@code
 * quarkus.kubernetes-client.api-server-url}, the CA and admin client certificate files, {@code
 * trust-certs=false}, {@code namespace} and turns Dev Services off.
 *
 * <p>Init arg {@code namespace}: the namespace to use (created if missing); default: a fresh {@code
 * quarkus-xxxxx}. A {@code String} field annotated {@link TestNamespace} in the test class receives
 * it. {@link #stop()} leaves the cluster running: it is shared and stops at JVM exit.
 */
public class LocalClusterTestResource implements QuarkusTestResourceLifecycleManager {
  /** Init arg naming the namespace. */
  public static final String NAMESPACE_ARG = "namespace";

  private String requestedNamespace;
  private String namespace;

  @Override
  public void init(Map<String, String> initArgs) {
    requestedNamespace = initArgs.get(NAMESPACE_ARG);
  }

  @Override
  public Map<String, String> start() {
    LocalCluster cluster = LocalCluster.shared();
    if (requestedNamespace == null || requestedNamespace.isBlank()) {
      namespace = cluster.createNamespace("quarkus");
    } else {
      namespace = requestedNamespace;
      if (cluster.client().namespaces().withName(namespace).get() == null) {
        cluster
            .client()
            .namespaces()
            .resource(
                new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
            .create();
      }
    }
    return cluster.quarkusConfig(namespace);
  }

  @Override
  public void inject(TestInjector injector) {
    injector.injectIntoFields(
        namespace, new TestInjector.AnnotatedAndMatchesType(TestNamespace.class, String.class));
  }

  @Override
  public void stop() {
    // Shared per JVM: a later Quarkus test (or profile restart) reuses the running cluster.
  }
}
