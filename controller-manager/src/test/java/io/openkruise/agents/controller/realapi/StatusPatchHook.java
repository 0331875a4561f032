package io.openkruise.agents.controller.realapi;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Test-only: the controllers' KubernetesClient, built as the Quarkus producer builds it, plus a
 * hook that runs an action inside one chosen PATCH just before it is sent, i.e. while JOSDK
 * considers its own status write in flight ({@link LostStatusUpdatesOnRealApiServerTest}). Inert
 * unless armed, so the module's other tests see the same client as before. (A test profile enabling
 * it only there would re-augment the app, which the local-cluster test resource's build-time client
 * properties do not allow.)
 */
@Alternative
@Priority(1)
@Singleton
public class StatusPatchHook {

  /**
   * A one-shot trigger: the first PATCH whose URI path ends so and whose body (or anything else the
   * predicate looks at) matches runs the action.
   */
  record Armed(String pathSuffix, Predicate<String> body, Runnable action) {}

  static final AtomicReference<Armed> ARMED = new AtomicReference<>();

  /** Status patches the hook saw while armed, whatever their body (for the failure message). */
  static final java.util.concurrent.atomic.AtomicInteger SEEN =
      new java.util.concurrent.atomic.AtomicInteger();

  @Produces
  @Singleton
  KubernetesClient hookedClient(KubernetesSerialization serialization, Config config) {
    return new KubernetesClientBuilder()
        .withKubernetesSerialization(serialization)
        .withConfig(config)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("status-hook", HOOK))
        .build();
  }

  void close(@Disposes KubernetesClient client) {
    client.close();
  }

  private static final Interceptor HOOK =
      new Interceptor() {
        @Override
        public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
          Armed armed = ARMED.get();
          if (armed == null
              || !"PATCH".equals(request.method())
              || !request.uri().getPath().endsWith(armed.pathSuffix())) {
            return;
          }
          SEEN.incrementAndGet();
          if (!armed.body().test(String.valueOf(request.bodyString()))
              || !ARMED.compareAndSet(armed, null)) {
            return;
          }
          armed.action().run();
        }
      };
}
