package io.openkruise.agents.manager;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.List;
import java.util.Optional;

/** Settings of the sandbox-manager, from application.properties, env or Helm values. */
@ConfigMapping(prefix = "kruise")
public interface ManagerConfig {

  /** Namespace the system runs in (API key Secret, peers). */
  @WithDefault("sandbox-system")
  String systemNamespace();

  /** Namespaces whose SandboxSets are served; empty means all. */
  Optional<List<String>> servedNamespaces();

  @WithName("e2b")
  E2b e2b();

  interface E2b {
    /** Must equal the clients' {@code E2B_DOMAIN}; echoed as {@code domain} in sandbox JSON. */
    @WithDefault("localhost")
    String domain();
  }
}
