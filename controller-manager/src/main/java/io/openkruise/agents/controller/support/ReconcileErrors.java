package io.openkruise.agents.controller.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import org.jboss.logging.Logger;

/**
 * The reconcilers' error status handler: a failed reconcile becomes a Warning Event on the resource
 * ({@code kubectl describe} shows it) as well as a log line. The status is not touched (the next
 * successful reconcile writes it whole) and JOSDK's retry schedule stays as configured.
 */
public final class ReconcileErrors {

  private static final Logger LOG = Logger.getLogger(ReconcileErrors.class);

  /** Events carry at most this much of the message; the log has all of it. */
  static final int MAX_MESSAGE = 512;

  private ReconcileErrors() {}

  public static <R extends HasMetadata> ErrorStatusUpdateControl<R> report(
      EventRecorder events, R resource, Exception e) {
    LOG.warnf(
        e,
        "reconcile of %s %s/%s failed",
        resource.getKind(),
        resource.getMetadata().getNamespace(),
        resource.getMetadata().getName());
    events.record(resource, EventNote.warning("ReconcileFailed", message(e)));
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /** The API server's own message for API errors (it names the field), else the exception's. */
  static String message(Exception e) {
    String text =
        e instanceof KubernetesClientException k && k.getStatus() != null
            ? k.getStatus().getMessage()
            : e.getMessage();
    if (text == null || text.isBlank()) {
      text = e.getClass().getSimpleName();
    }
    return text.length() <= MAX_MESSAGE ? text : text.substring(0, MAX_MESSAGE) + "…";
  }
}
