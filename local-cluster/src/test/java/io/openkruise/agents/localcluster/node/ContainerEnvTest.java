package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ContainerEnvTest {
  /**
   * One secret {@code creds} with key {@code user}, one config map {@code conf} with {@code mode}.
   */
  private static final ContainerEnv.Lookup LOOKUP =
      new ContainerEnv.Lookup() {
        @Override
        public Optional<String> secretKey(String name, String key) {
          return Optional.ofNullable(Map.of("creds/user", "alice").get(name + "/" + key));
        }

        @Override
        public Optional<String> configMapKey(String name, String key) {
          return Optional.ofNullable(Map.of("conf/mode", "fast").get(name + "/" + key));
        }
      };

  private static final Pod POD =
      new PodBuilder()
          .withNewMetadata()
          .withName("p")
          .withNamespace("ns")
          .addToLabels("app", "shell")
          .endMetadata()
          .withNewSpec()
          .withNodeName("local-node-0")
          .endSpec()
          .build();

  @Test
  void valuesExpandReferencesToEarlierEntriesOnly() {
    Map<String, String> env =
        resolve(new EnvVar("HOST", "h", null), new EnvVar("URL", "http://$(HOST):$(PORT)", null));

    assertThat(env).containsExactly(Map.entry("HOST", "h"), Map.entry("URL", "http://h:$(PORT)"));
  }

  @Test
  void valueFromReadsSecretsConfigMapsAndThePod() {
    Map<String, String> env =
        resolve(
            secretKey("USER", "creds", "user", null),
            configMapKey("MODE", "conf", "mode", null),
            fieldRef("IP", "status.podIP"),
            fieldRef("APP", "metadata.labels['app']"),
            fieldRef("SA", "spec.serviceAccountName"));

    assertThat(env.keySet()).containsExactly("USER", "MODE", "IP", "APP", "SA");
    assertThat(env.values()).containsExactly("alice", "fast", "127.1.0.2", "shell", "default");
  }

  @Test
  void aMissingOptionalKeyIsLeftOutAndAMissingRequiredOneStopsTheContainer() {
    assertThat(resolve(secretKey("OPT", "creds", "none", true))).isEmpty();

    assertThatThrownBy(() -> resolve(configMapKey("REQ", "conf", "none", null)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("env REQ of container main");
  }

  private static Map<String, String> resolve(EnvVar... env) {
    Container c = new Container();
    c.setName("main");
    c.setEnv(List.of(env));
    return ContainerEnv.resolve(POD, c, "127.1.0.2", LOOKUP);
  }

  private static EnvVar secretKey(String name, String secret, String key, Boolean optional) {
    return new EnvVar(
        name, null, new EnvVarSourceBuilder().withNewSecretKeyRef(key, secret, optional).build());
  }

  private static EnvVar configMapKey(String name, String configMap, String key, Boolean optional) {
    return new EnvVar(
        name,
        null,
        new EnvVarSourceBuilder().withNewConfigMapKeyRef(key, configMap, optional).build());
  }

  private static EnvVar fieldRef(String name, String path) {
    return new EnvVar(
        name,
        null,
        new EnvVarSourceBuilder().withNewFieldRef().withFieldPath(path).endFieldRef().build());
  }
}
