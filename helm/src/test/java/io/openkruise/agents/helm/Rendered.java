package io.openkruise.agents.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** The objects `helm template` renders, typed where fabric8 knows the kind. */
final class Rendered {

  static final Path CHART = Path.of(System.getProperty("chart.dir", "kruise-agents"));
  static final Path DEPLOY = Path.of(System.getProperty("deploy.dir", "../deploy"));
  static final String NS = "sandbox-system";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  final String yaml;
  final List<HasMetadata> objects;

  private Rendered(String yaml) {
    this.yaml = yaml;
    this.objects = parse(yaml);
  }

  static Rendered render(String release, Map<String, Object> values) {
    return render(release, c -> c, values);
  }

  static Rendered render(String release, Path valuesFile) {
    return render(release, c -> c.withValuesFile(valuesFile), Map.of());
  }

  static Rendered render(
      String release, UnaryOperator<TemplateCommand> extra, Map<String, Object> values) {
    FakeApiServer.get();
    // helm template assumes Kubernetes 1.20 unless told; the chart needs 1.28+.
    TemplateCommand cmd =
        new Helm(CHART).template().withName(release).withNamespace(NS).withKubeVersion("1.30.0");
    values.forEach(cmd::set);
    return new Rendered(extra.apply(cmd).call());
  }

  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) {
        continue;
      }
      out.add(SERIALIZATION.unmarshal(doc, HasMetadata.class));
    }
    return out;
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> T one(Class<T> type, String name) {
    return find(type, name)
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  List<GenericKubernetesResource> kind(String kind) {
    return all(GenericKubernetesResource.class).stream()
        .filter(o -> o.getKind().equals(kind))
        .toList();
  }
}
