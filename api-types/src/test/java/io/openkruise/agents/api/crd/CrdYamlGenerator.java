package io.openkruise.agents.api.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import java.io.File;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Build step (run by exec-maven-plugin at process-test-classes, so it stays out of the contract
 * jar): generates the CRD YAML with fabric8's CRD generator.
 *
 * <p>Why not the generator's Maven plugin: it sorts printer columns by JSON path, and kubectl shows
 * them in CRD order. The users' contract is the original's column order ({@code NAME STATUS AGE
 * SHUTDOWN_TIME PAUSE_TIME MESSAGE}), so a post-processor restores the order in which the
 * {@code @AdditionalPrinterColumn} annotations are declared on each class.
 */
public final class CrdYamlGenerator {

  static final List<Class<? extends HasMetadata>> KINDS =
      List.of(Sandbox.class, SandboxSet.class, SandboxClaim.class);

  public static void main(String[] args) {
    File outputDir = new File(args.length > 0 ? args[0] : "target/classes/crds");
    if (!outputDir.isDirectory() && !outputDir.mkdirs()) {
      throw new IllegalStateException("cannot create " + outputDir);
    }
    Map<String, Class<?>> kindsByCrdName =
        KINDS.stream().collect(Collectors.toMap(HasMetadata::getFullResourceName, k -> k));
    new CRDGenerator()
        .inOutputDir(outputDir)
        .forCRDVersions("v1")
        .withPostProcessor(new DeclaredColumnOrder(kindsByCrdName))
        .customResourceClasses(KINDS)
        .generate();
    System.out.println("CRDs written to " + outputDir.getAbsolutePath());
  }

  private record DeclaredColumnOrder(Map<String, Class<?>> kindsByCrdName)
      implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      Class<?> kind = kindsByCrdName.get(crd.getMetadata().getName());
      List<String> declared =
          Arrays.stream(kind.getAnnotationsByType(AdditionalPrinterColumn.class))
              .map(AdditionalPrinterColumn::name)
              .toList();
      ((CustomResourceDefinition) crd)
          .getSpec()
          .getVersions()
          .forEach(
              v ->
                  v.getAdditionalPrinterColumns()
                      .sort(
                          Comparator.comparingInt(
                              (CustomResourceColumnDefinition c) ->
                                  declared.indexOf(c.getName()))));
      return crd;
    }
  }

  private CrdYamlGenerator() {}
}
