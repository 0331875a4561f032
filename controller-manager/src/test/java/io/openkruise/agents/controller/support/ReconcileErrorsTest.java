package io.openkruise.agents.controller.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
@io.openkruise.agents.testing.tier.MockTier
class ReconcileErrorsTest {

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void aFailedReconcileBecomesAWarningEventAndKeepsTheRetries() {
    SandboxClaim claim = new SandboxClaim();
    claim.getMetadata().setNamespace("ns");
    claim.getMetadata().setName("c1");
    claim.getMetadata().setUid("uid-c1");
    KubernetesClientException e =
        new KubernetesClientException(
            new StatusBuilder()
                .withCode(422)
                .withMessage("spec.shutdownTime: Invalid value")
                .build());

    ErrorStatusUpdateControl<SandboxClaim> control =
        ReconcileErrors.report(new EventRecorder(client, Clock.systemUTC()), claim, e);

    assertThat(control.getResource()).isEmpty();
    assertThat(control.isNoRetry()).isFalse();
    List<Event> events = client.v1().events().inNamespace("ns").list().getItems();
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getType()).isEqualTo("Warning");
    assertThat(events.get(0).getReason()).isEqualTo("ReconcileFailed");
    assertThat(events.get(0).getMessage()).isEqualTo("spec.shutdownTime: Invalid value");
    assertThat(events.get(0).getInvolvedObject().getName()).isEqualTo("c1");
  }

  @Test
  void messagesAreBoundedAndNeverEmpty() {
    assertThat(ReconcileErrors.message(new IllegalStateException("x".repeat(2000))))
        .hasSize(ReconcileErrors.MAX_MESSAGE + 1);
    assertThat(ReconcileErrors.message(new NullPointerException()))
        .isEqualTo("NullPointerException");
  }
}
