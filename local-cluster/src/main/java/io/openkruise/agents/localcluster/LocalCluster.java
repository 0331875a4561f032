package io.openkruise.agents.localcluster;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.openkruise.agents.localcluster.kube.AdminConnection;
import io.openkruise.agents.localcluster.kube.ClusterAdmin;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.localcluster.kube.Pki;
import io.openkruise.agents.localcluster.node.ImageProcess;
import io.openkruise.agents.localcluster.node.LocalNode;
import io.openkruise.agents.localcluster.node.LocalNodeOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A whole local cluster for tests and dev: {@link LocalKubernetes} (real kube-apiserver, etcd,
 * controller manager) plus a {@link LocalNode} that runs pods, or, only when asked for with {@code
 * -Dkruise.local-cluster.tier=mock}, a fabric8 CRUD mock server without node.
 *
 * <p>{@link #shared()} gives one cluster per JVM, started on first use and stopped at JVM exit; the
 * JUnit extension and the Quarkus test resource both use it, so a test suite pays the start once.
 */
public final class LocalCluster implements ClusterAdmin, AutoCloseable {

  /** System property choosing the tier: {@code real} (default) or {@code mock}. */
  public static final String TIER_PROPERTY = "kruise.local-cluster.tier";

  /** Which API server the tests talk to. */
  public enum Tier {
    /** kube-apiserver v1.37.x built from source, with the node simulator. */
    REAL,
    /** fabric8's CRUD mock server: no validation, no GC, no pods running. Explicit opt-in only. */
    MOCK
  }

  // JVM-wide record of the shared cluster, in system properties (strings only), so that a second
  // class loader (Quarkus loads tests and test resources in its own) reuses the running cluster
  // instead of starting another one next to it.
  private static final String SHARED_KUBECONFIG = "kruise.local-cluster.shared.kubeconfig";
  private static final String SHARED_DESCRIPTION = "kruise.local-cluster.shared.description";
  private static final String SHARED_TIER = "kruise.local-cluster.shared.tier";

  /**
   * JVM-wide start lock. A string literal is interned, hence the same object in every class loader;
   * nothing else locks on this exact text.
   */
  private static final String SHARED_LOCK = "io.openkruise.agents.localcluster.LocalCluster#shared";

  private static LocalCluster shared;

  private final Tier tier;
  private final String description;
  private final AdminConnection admin;
  private final LocalKubernetes kube;
  private final LocalNode node;
  private final AutoCloseable mock;
  private final Path ownedDir;
  private final boolean owner;

  private LocalCluster(
      Tier tier,
      String description,
      Path kubeconfig,
      Config config,
      LocalKubernetes kube,
      LocalNode node,
      AutoCloseable mock,
      Path ownedDir,
      boolean owner) {
    this.tier = tier;
    this.description = description;
    this.admin = kube != null ? kube.admin() : AdminConnection.of(kubeconfig, config);
    this.kube = kube;
    this.node = node;
    this.mock = mock;
    this.ownedDir = ownedDir;
    this.owner = owner;
  }

  /** The tier asked for by {@value #TIER_PROPERTY} (default {@link Tier#REAL}). */
  public static Tier requestedTier() {
    String t = System.getProperty(TIER_PROPERTY, "real").trim().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "real", "" -> Tier.REAL;
      case "mock" -> Tier.MOCK;
      default ->
          throw new IllegalArgumentException(
              TIER_PROPERTY + " must be 'real' or 'mock', not '" + t + "'");
    };
  }

  /**
   * The JVM's shared cluster, started on first call (tier from {@value #TIER_PROPERTY}) and stopped
   * by a shutdown hook. Prints once which API server the tests run against.
   *
   * @throws IllegalStateException when the real tier cannot start (no silent fallback to the mock)
   */
  public static LocalCluster shared() {
    synchronized (SHARED_LOCK) {
      if (shared != null) {
        return shared;
      }
      if (System.getProperty(SHARED_KUBECONFIG) == null) {
        startInSystemClassLoader();
      }
      String existing = System.getProperty(SHARED_KUBECONFIG);
      if (existing != null) {
        shared = view(existing);
        return shared;
      }
      LocalCluster c = requestedTier() == Tier.MOCK ? startMock() : startReal(Options.defaults());
      Runtime.getRuntime().addShutdownHook(new Thread(c::close, "local-cluster-shutdown"));
      System.setProperty(SHARED_KUBECONFIG, c.kubeconfig().toString());
      System.setProperty(SHARED_DESCRIPTION, c.description);
      System.setProperty(SHARED_TIER, c.tier.name());
      System.out.println("Tests run against: " + c.description);
      shared = c;
      return c;
    }
  }

  /**
   * When this copy of the class was loaded by a child class loader (Quarkus tests), the owner is
   * started through the system class loader's copy instead: Quarkus closes its class loaders when
   * an application stops, and the node's threads must outlive that. This copy then becomes a view.
   */
  private static void startInSystemClassLoader() {
    Class<?> systemCopy;
    try {
      systemCopy = ClassLoader.getSystemClassLoader().loadClass(LocalCluster.class.getName());
    } catch (ClassNotFoundException e) {
      return; // not on the system class path: this class loader owns the cluster
    }
    if (systemCopy == LocalCluster.class) {
      return;
    }
    // fabric8 and Vert.x look services up through the context class loader: it must match.
    Thread me = Thread.currentThread();
    ClassLoader context = me.getContextClassLoader();
    me.setContextClassLoader(systemCopy.getClassLoader());
    try {
      systemCopy.getMethod("shared").invoke(null);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    } finally {
      me.setContextClassLoader(context);
    }
  }

  private static LocalCluster view(String kubeconfigPath) {
    try {
      Path kc = Path.of(kubeconfigPath);
      Config config = Config.fromKubeconfig(Files.readString(kc));
      return new LocalCluster(
          Tier.valueOf(System.getProperty(SHARED_TIER)),
          System.getProperty(SHARED_DESCRIPTION),
          kc,
          config,
          null,
          null,
          null,
          null,
          false);
    } catch (IOException e) {
      throw new UncheckedIOException("the shared local cluster's kubeconfig is unreadable", e);
    }
  }

  /**
   * Settings of a real-tier cluster.
   *
   * @param kube control plane settings
   * @param nodeNames Nodes the simulator registers
   * @param assumeUnservedPortsReady see {@link LocalNodeOptions#assumeUnservedPortsReady()}
   * @param imageProcesses see {@link LocalNodeOptions#imageProcesses()}
   */
  public record Options(
      LocalKubernetes.Options kube,
      List<String> nodeNames,
      boolean assumeUnservedPortsReady,
      Map<String, ImageProcess> imageProcesses) {
    public Options {
      imageProcesses = Map.copyOf(imageProcesses);
    }

    public Options(
        LocalKubernetes.Options kube, List<String> nodeNames, boolean assumeUnservedPortsReady) {
      this(kube, nodeNames, assumeUnservedPortsReady, Map.of());
    }

    public static Options defaults() {
      return new Options(LocalKubernetes.Options.defaults(), List.of("local-node-0"), false);
    }

    /**
     * Runs containers of these image repositories as local processes and adds the Deployment and
     * ReplicaSet controllers, so a chart's Deployments roll out real services.
     */
    public Options withImageProcesses(Map<String, ImageProcess> processes) {
      List<String> controllers = new java.util.ArrayList<>(kube.controllers());
      for (String c : LocalKubernetes.WORKLOAD_CONTROLLERS) {
        if (!controllers.contains(c)) {
          controllers.add(c);
        }
      }
      return new Options(
          kube.withControllers(controllers), nodeNames, assumeUnservedPortsReady, processes);
    }
  }

  /** Starts a private real-tier cluster (the caller closes it). */
  public static LocalCluster startReal(Options options) {
    LocalKubernetes kube = LocalKubernetes.start(options.kube());
    try {
      LocalNode node =
          LocalNode.start(
              kube.client(),
              LocalNodeOptions.builder(kube.workDir().resolve("node"))
                  .nodeNames(options.nodeNames())
                  .assumeUnservedPortsReady(options.assumeUnservedPortsReady())
                  .imageProcesses(options.imageProcesses())
                  .build());
      String description = "real kube-apiserver " + kube.version() + " at " + kube.apiServerUrl();
      return new LocalCluster(
          Tier.REAL, description, kube.kubeconfig(), kube.config(), kube, node, null, null, true);
    } catch (RuntimeException e) {
      kube.close();
      throw e;
    }
  }

  /** Starts a private mock-tier cluster: fabric8's CRUD mock server with our CRDs created. */
  public static LocalCluster startMock() {
    return MockTier.start();
  }

  static LocalCluster mock(
      String description, Path kubeconfig, Config config, AutoCloseable server, Path dir) {
    LocalCluster c =
        new LocalCluster(Tier.MOCK, description, kubeconfig, config, null, null, server, dir, true);
    for (var url : MockTier.crdUrls()) {
      try (InputStream in = url.openStream()) {
        c.client()
            .resource(
                c.client()
                    .getKubernetesSerialization()
                    .unmarshal(in, CustomResourceDefinition.class))
            .create();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return c;
  }

  public Tier tier() {
    return tier;
  }

  public boolean isReal() {
    return tier == Tier.REAL;
  }

  /** E.g. {@code real kube-apiserver v1.37.2 at https://127.0.0.1:40123}. */
  public String description() {
    return description;
  }

  @Override
  public AdminConnection admin() {
    return admin;
  }

  /** The control plane, when this JVM class loader owns a real-tier cluster. */
  public Optional<LocalKubernetes> kubernetes() {
    return Optional.ofNullable(kube);
  }

  /**
   * The node simulator, when this class loader owns a real-tier cluster (a Quarkus test sees the
   * pods through the API instead: {@code status.podIP} is the runtime's address).
   */
  public Optional<LocalNode> node() {
    return Optional.ofNullable(node);
  }

  /** Creates a namespace {@code <prefix>-<5 random chars>} and returns its name. */
  public String createNamespace(String prefix) {
    String base = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
    base = base.replaceAll("^-+|-+$", "");
    if (base.length() > 50) {
      base = base.substring(0, 50).replaceAll("-+$", "");
    }
    if (base.isEmpty()) {
      base = "test";
    }
    String name = base + "-" + randomSuffix();
    client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  private static String randomSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      sb.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  /**
   * Quarkus kubernetes-client configuration pointing at this cluster, as returned by {@code
   * LocalClusterTestResource}.
   */
  public Map<String, String> quarkusConfig(String namespace) {
    Config config = admin.config();
    Map<String, String> m = new LinkedHashMap<>();
    m.put("quarkus.kubernetes-client.api-server-url", config.getMasterUrl());
    m.put("quarkus.kubernetes-client.namespace", namespace);
    m.put("quarkus.kubernetes-client.devservices.enabled", "false");
    if (kube != null) {
      m.put("quarkus.kubernetes-client.trust-certs", "false");
      m.put("quarkus.kubernetes-client.ca-cert-file", kube.pkiFiles().caCert().toString());
      m.put("quarkus.kubernetes-client.client-cert-file", kube.pkiFiles().adminCert().toString());
      m.put("quarkus.kubernetes-client.client-key-file", kube.pkiFiles().adminKey().toString());
      m.put("quarkus.kubernetes-client.client-key-algo", Pki.KEY_ALGORITHM);
    } else if (tier == Tier.REAL) {
      // A view from another class loader: the credentials travel as data.
      m.put("quarkus.kubernetes-client.trust-certs", "false");
      m.put("quarkus.kubernetes-client.ca-cert-data", config.getCaCertData());
      m.put("quarkus.kubernetes-client.client-cert-data", config.getClientCertData());
      m.put("quarkus.kubernetes-client.client-key-data", config.getClientKeyData());
      m.put("quarkus.kubernetes-client.client-key-algo", Pki.KEY_ALGORITHM);
    } else {
      m.put("quarkus.kubernetes-client.trust-certs", "true");
    }
    m.put("kruise.local-cluster.kubeconfig", kubeconfig().toString());
    return m;
  }

  /** Stops the node, the control plane or mock, and removes temp files. Views close nothing. */
  @Override
  public void close() {
    if (!owner) {
      client().close();
      return;
    }
    if (node != null) {
      node.close();
    }
    if (kube != null) {
      kube.close();
    } else {
      client().close();
    }
    if (mock != null) {
      try {
        mock.close();
      } catch (Exception e) {
        // best effort at shutdown
      }
    }
    if (ownedDir != null) {
      try (var s = Files.walk(ownedDir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort at shutdown
      }
    }
  }
}
