package io.openkruise.agents.runtime.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.CompletionException;

/**
 * The one place that turns failures into wire errors: Connect codes for RPCs, HTTP statuses for the
 * plain endpoints ({@code /files}).
 */
public final class ErrorMapping {
  private ErrorMapping() {}

  /** Maps any failure to a {@link ConnectException}; unexpected ones become {@code internal}. */
  public static ConnectException toConnect(Throwable t) {
    Throwable e = unwrap(t);
    if (e instanceof ConnectException ce) {
      return ce;
    }
    ConnectCode code;
    if (e instanceof NoSuchFileException) {
      code = ConnectCode.NOT_FOUND;
    } else if (e instanceof FileAlreadyExistsException) {
      code = ConnectCode.ALREADY_EXISTS;
    } else if (e instanceof AccessDeniedException) {
      code = ConnectCode.PERMISSION_DENIED;
    } else if (e instanceof NotDirectoryException
        || e instanceof JsonProcessingException
        || e instanceof IllegalArgumentException) {
      code = ConnectCode.INVALID_ARGUMENT;
    } else if (e instanceof DirectoryNotEmptyException) {
      code = ConnectCode.FAILED_PRECONDITION;
    } else {
      code = ConnectCode.INTERNAL;
    }
    return new ConnectException(code, describe(e));
  }

  /** HTTP status for the plain HTTP endpoints. */
  public static int httpStatus(Throwable t) {
    return toConnect(t).code().httpStatus();
  }

  /** A message that names the file for file-system errors (their getMessage is just the path). */
  public static String describe(Throwable t) {
    Throwable e = unwrap(t);
    if (e instanceof NoSuchFileException f) {
      return "path not found: " + f.getFile();
    }
    if (e instanceof FileAlreadyExistsException f) {
      return "path already exists: " + f.getFile();
    }
    if (e instanceof NotDirectoryException f) {
      return "not a directory: " + f.getFile();
    }
    if (e instanceof DirectoryNotEmptyException f) {
      return "directory not empty: " + f.getFile();
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason() + (f.getFile() != null ? ": " + f.getFile() : "");
    }
    if (e instanceof JsonProcessingException j) {
      return "invalid JSON: " + j.getOriginalMessage();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof java.io.UncheckedIOException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
