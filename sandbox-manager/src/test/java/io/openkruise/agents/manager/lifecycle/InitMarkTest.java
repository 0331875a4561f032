package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.support.Fixtures;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
@io.openkruise.agents.testing.tier.MockTier
class InitMarkTest {

  KubernetesClient client;

  private Sandbox stored(String name) {
    Sandbox s = Fixtures.claimed("ns", name, "tpl", "owner", "127.0.0.1");
    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "false");
    return client.resource(s).create();
  }

  private String mark(String name) {
    return client
        .resources(Sandbox.class)
        .inNamespace("ns")
        .withName(name)
        .get()
        .getMetadata()
        .getAnnotations()
        .get(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED);
  }

  @Test
  void onlyACreateAsSlowAsTheThresholdMarksBeforeAnswering() {
    InitMark marks = new InitMark(client, Duration.ofSeconds(20));

    assertThat(marks.beforeAnswer(Duration.ofMillis(300))).isFalse();
    assertThat(marks.beforeAnswer(Duration.ofSeconds(20))).isTrue();
    assertThat(new InitMark(client, Duration.ZERO).beforeAnswer(Duration.ZERO)).isTrue();
  }

  @Test
  void aFastCreatesMarkLandsAfterItsAnswer() {
    Sandbox sandbox = stored("fast");

    new InitMark(client, Duration.ofSeconds(20)).later(sandbox);

    await().atMost(Duration.ofSeconds(10)).until(() -> "true".equals(mark("fast")));
  }

  @Test
  void aSlowCreateFailsWhenTheControllerAlreadyGaveUpOnItsSandbox() {
    Sandbox sandbox = stored("slow");
    sandbox.getMetadata().getFinalizers().add(MetadataKeys.FINALIZER_SANDBOX);
    sandbox = client.resource(sandbox).update();
    client.resource(sandbox).delete(); // held by its finalizer: being deleted

    Sandbox deleting = sandbox;
    assertThatThrownBy(() -> new InitMark(client, Duration.ZERO).now(deleting))
        .isInstanceOf(E2bException.class)
        .hasMessageContaining("deleted before its create completed");
  }

  @Test
  void aMarkForASandboxKilledMeanwhileIsDropped() {
    Sandbox sandbox = stored("killed");
    client.resource(sandbox).delete();

    new InitMark(client, Duration.ofSeconds(20)).later(sandbox); // no exception, nothing written

    Sandbox other = stored("after");
    new InitMark(client, Duration.ofSeconds(20)).later(other);
    await().atMost(Duration.ofSeconds(10)).until(() -> "true".equals(mark("after")));
    assertThat(client.resources(Sandbox.class).inNamespace("ns").withName("killed").get()).isNull();
  }

  @Test
  void closingWritesTheMarksStillQueued() {
    InitMark marks = new InitMark(client, Duration.ofSeconds(20));
    for (int i = 0; i < 20; i++) {
      marks.later(stored("queued-" + i));
    }

    marks.close();

    for (int i = 0; i < 20; i++) {
      assertThat(mark("queued-" + i)).as("queued-%d", i).isEqualTo("true");
    }
  }
}
