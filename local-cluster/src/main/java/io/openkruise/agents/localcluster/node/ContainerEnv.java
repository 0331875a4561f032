package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's env as a kubelet resolves it from the spec: {@code value} with {@code $(VAR)}
 * references expanded, {@code valueFrom} secret and config map keys looked up in the pod's
 * namespace, field references read from the pod. Pure given its {@link Lookup}.
 */
final class ContainerEnv {

  private static final Pattern DEPENDENT = Pattern.compile("\\$\\((\\w+)\\)");

  private ContainerEnv() {}

  /** Resolves a {@code valueFrom} source the node looks up in the API server. */
  interface Lookup {
    Optional<String> secretKey(String name, String key);

    Optional<String> configMapKey(String name, String key);
  }

  /** Looks secrets and config maps up in the pod's namespace. */
  static Lookup lookup(KubernetesClient client, String namespace) {
    return new Lookup() {
      @Override
      public Optional<String> secretKey(String name, String key) {
        Secret s = client.secrets().inNamespace(namespace).withName(name).get();
        if (s == null) {
          return Optional.empty();
        }
        if (s.getData() != null && s.getData().containsKey(key)) {
          return Optional.of(
              new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8));
        }
        return Optional.ofNullable(s.getStringData() == null ? null : s.getStringData().get(key));
      }

      @Override
      public Optional<String> configMapKey(String name, String key) {
        ConfigMap m = client.configMaps().inNamespace(namespace).withName(name).get();
        return Optional.ofNullable(m == null || m.getData() == null ? null : m.getData().get(key));
      }
    };
  }

  /**
   * The container's env as a kubelet resolves it: in order, {@code $(VAR)} references to earlier
   * entries expanded, {@code valueFrom} looked up.
   *
   * @throws IllegalStateException when a required reference is missing (the container cannot start)
   */
  static Map<String, String> resolve(Pod pod, Container c, String podIp, Lookup lookup) {
    Map<String, String> env = new LinkedHashMap<>();
    if (c.getEnv() == null) {
      return env;
    }
    for (EnvVar v : c.getEnv()) {
      EnvVarSource from = v.getValueFrom();
      if (from == null) {
        env.put(v.getName(), expand(v.getValue() == null ? "" : v.getValue(), env));
        continue;
      }
      Optional<String> value;
      boolean optional;
      if (from.getSecretKeyRef() != null) {
        var ref = from.getSecretKeyRef();
        value = lookup.secretKey(ref.getName(), ref.getKey());
        optional = Boolean.TRUE.equals(ref.getOptional());
      } else if (from.getConfigMapKeyRef() != null) {
        var ref = from.getConfigMapKeyRef();
        value = lookup.configMapKey(ref.getName(), ref.getKey());
        optional = Boolean.TRUE.equals(ref.getOptional());
      } else if (from.getFieldRef() != null) {
        value = Optional.of(field(pod, from.getFieldRef().getFieldPath(), podIp));
        optional = false;
      } else {
        value = Optional.of(""); // resourceFieldRef: no resources here
        optional = false;
      }
      if (value.isPresent()) {
        env.put(v.getName(), value.get());
      } else if (!optional) {
        throw new IllegalStateException(
            "env " + v.getName() + " of container " + c.getName() + ": " + from + " not found");
      }
    }
    return env;
  }

  private static String expand(String value, Map<String, String> env) {
    Matcher m = DEPENDENT.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = env.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(v == null ? m.group() : v));
    }
    m.appendTail(out);
    return out.toString();
  }

  static String field(Pod pod, String path, String podIp) {
    var meta = pod.getMetadata();
    return switch (path) {
      case "metadata.name" -> meta.getName();
      case "metadata.namespace" -> meta.getNamespace();
      case "metadata.uid" -> meta.getUid();
      case "spec.nodeName" -> pod.getSpec().getNodeName();
      case "spec.serviceAccountName" -> serviceAccount(pod);
      case "status.podIP" -> podIp;
      case "status.hostIP" -> "127.0.0.1";
      default -> {
        Matcher m = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]").matcher(path);
        if (m.matches()) {
          Map<String, String> src =
              m.group(1).equals("labels") ? meta.getLabels() : meta.getAnnotations();
          yield src == null ? "" : src.getOrDefault(m.group(2), "");
        }
        throw new IllegalStateException("unsupported fieldRef " + path);
      }
    };
  }

  static String serviceAccount(Pod pod) {
    String sa = pod.getSpec().getServiceAccountName();
    return sa == null || sa.isEmpty() ? "default" : sa;
  }
}
