package io.openkruise.agents.localcluster.kube;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Our CRDs: found on the class path, applied to a cluster and waited for until Established. */
final class Crds {

  /** Classpath directory holding the generated CRDs (shipped in the api-types jar). */
  static final String RESOURCE_DIR = "crds";

  private Crds() {}

  /** Every CRD YAML under {@code crds/} on the class path (the api-types jar or its classes). */
  static List<URL> onClasspath() {
    List<URL> found = ClasspathResources.list(RESOURCE_DIR, ".yml");
    if (found.isEmpty()) {
      throw new IllegalStateException(
          "no CRD YAML under " + RESOURCE_DIR + "/ on the class path; is api-types built?");
    }
    return found;
  }

  /** Applies {@code crds} (server-side apply) and waits up to {@code timeout} for each. */
  static void apply(KubernetesClient client, List<URL> crds, Duration timeout) {
    List<String> names = new ArrayList<>();
    for (URL url : crds) {
      try (var in = url.openStream()) {
        CustomResourceDefinition crd =
            client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
        client.resource(crd).forceConflicts().serverSideApply();
        names.add(crd.getMetadata().getName());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read CRD " + url, e);
      }
    }
    for (String name : names) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(name)
          .waitUntilCondition(Crds::established, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
