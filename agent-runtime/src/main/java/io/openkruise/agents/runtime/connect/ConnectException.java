package io.openkruise.agents.runtime.connect;

/**
 * An error that RPC handlers throw (or fail futures with) to answer with a specific Connect code.
 * Anything else that escapes a handler is reported as {@code internal}.
 */
public class ConnectException extends RuntimeException {
  private final ConnectCode code;

  public ConnectException(ConnectCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ConnectCode code() {
    return code;
  }

  public static ConnectException notFound(String message) {
    return new ConnectException(ConnectCode.NOT_FOUND, message);
  }

  public static ConnectException invalidArgument(String message) {
    return new ConnectException(ConnectCode.INVALID_ARGUMENT, message);
  }
}
