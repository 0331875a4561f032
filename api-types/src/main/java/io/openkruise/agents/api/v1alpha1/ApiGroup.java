package io.openkruise.agents.api.v1alpha1;

/** Group and version of every kind in this package. */
public final class ApiGroup {
  public static final String GROUP = "agents.kruise.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** RFC 3339 timestamp as Kubernetes writes it; validated by the API server. */
  static final String DATE_TIME_PATTERN =
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";

  /** A Go duration ("30s", "1m", "1h30m"), the format the original's CRDs accept. */
  static final String DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$";

  private ApiGroup() {}
}
