package io.openkruise.agents.manager.e2b;

/**
 * An error the API answers as E2B's {@code {"code": status, "message": ...}}. Thrown anywhere in
 * request handling; one exception mapper turns it into the response.
 */
public class E2bException extends RuntimeException {

  private final int status;

  public E2bException(int status, String message) {
    super(message);
    this.status = status;
  }

  public E2bException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static E2bException badRequest(String message) {
    return new E2bException(400, message);
  }

  public static E2bException unauthorized(String message) {
    return new E2bException(401, message);
  }

  public static E2bException forbidden(String message) {
    return new E2bException(403, message);
  }

  public static E2bException notFound(String message) {
    return new E2bException(404, message);
  }

  public static E2bException conflict(String message) {
    return new E2bException(409, message);
  }

  public static E2bException internal(String message) {
    return new E2bException(500, message);
  }

  public static E2bException unavailable(String message) {
    return new E2bException(503, message);
  }

  public static E2bException timeout(String message) {
    return new E2bException(504, message);
  }

  public static E2bException sandboxNotFound(String id) {
    return notFound("sandbox " + id + " not found");
  }
}
