package io.openkruise.agents.localcluster.kube;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a kube-apiserver's {@code /readyz} as the admin user (client certificate). */
final class ReadyzProbe {

  private final URI apiServerUrl;
  private final HttpClient http;

  ReadyzProbe(URI apiServerUrl, Pki pki) {
    this.apiServerUrl = apiServerUrl;
    this.http =
        HttpClient.newBuilder()
            .sslContext(pki.adminSslContext())
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  /** Whether {@code /readyz} answers 200 {@code ok}; an unreachable server is not ready. */
  boolean ready() {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(apiServerUrl.resolve("/readyz"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().strip().equals("ok");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
