package io.openkruise.agents.runtime.connect;

/** Connect protocol error codes with the HTTP status each maps to for unary responses. */
public enum ConnectCode {
  CANCELED("canceled", 499),
  UNKNOWN("unknown", 500),
  INVALID_ARGUMENT("invalid_argument", 400),
  DEADLINE_EXCEEDED("deadline_exceeded", 504),
  NOT_FOUND("not_found", 404),
  ALREADY_EXISTS("already_exists", 409),
  PERMISSION_DENIED("permission_denied", 403),
  RESOURCE_EXHAUSTED("resource_exhausted", 429),
  FAILED_PRECONDITION("failed_precondition", 400),
  ABORTED("aborted", 409),
  OUT_OF_RANGE("out_of_range", 400),
  UNIMPLEMENTED("unimplemented", 501),
  INTERNAL("internal", 500),
  UNAVAILABLE("unavailable", 503),
  DATA_LOSS("data_loss", 500),
  UNAUTHENTICATED("unauthenticated", 401);

  private final String wireName;
  private final int httpStatus;

  ConnectCode(String wireName, int httpStatus) {
    this.wireName = wireName;
    this.httpStatus = httpStatus;
  }

  /** The lower_snake name used in JSON error bodies. */
  public String wireName() {
    return wireName;
  }

  /** HTTP status of a unary error response carrying this code. */
  public int httpStatus() {
    return httpStatus;
  }
}
