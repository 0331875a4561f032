package io.openkruise.agents.runtime.filesystem;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.ConnectException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * User metadata of a file, as the newest SDKs send it ({@code X-Metadata-<key>} headers on {@code
 * POST /files}) and read it ({@code EntryInfo.metadata}). Stored where envd stores it: extended
 * attributes {@code user.e2b.<key>} (the JDK's user-defined attribute view adds the {@code user.}
 * prefix), so it travels with the file through renames and is visible to {@code getfattr} in the
 * sandbox. On a file system without user xattrs the metadata is not kept, as in envd.
 */
public final class FileMetadata {
  private static final Logger LOG = Logger.getLogger(FileMetadata.class.getName());

  /** Request header prefix; header names are case-insensitive, keys are lowercased. */
  public static final String HEADER_PREFIX = "x-metadata-";

  static final String ATTR_PREFIX = "e2b.";

  /** envd's limits: the xattr name (with {@code user.e2b.}) fits 255 bytes, all of it 4 KiB. */
  static final int MAX_KEY_BYTES = 255 - "user.e2b.".length();

  static final int MAX_TOTAL_BYTES = 4096;

  private FileMetadata() {}

  /** Metadata of the request headers ({@code X-Metadata-*}), keys lowercased; validated. */
  public static Map<String, String> fromHeaders(Iterable<Map.Entry<String, String>> headers) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith(HEADER_PREFIX)) {
        out.putIfAbsent(name.substring(HEADER_PREFIX.length()), h.getValue());
      }
    }
    validate(out);
    return out;
  }

  static void validate(Map<String, String> metadata) {
    int total = 0;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      String k = e.getKey();
      if (k.isEmpty()) {
        throw ConnectException.invalidArgument("invalid metadata: key must not be empty");
      }
      if (k.length() > MAX_KEY_BYTES) {
        throw ConnectException.invalidArgument(
            "invalid metadata: key " + k + " exceeds " + MAX_KEY_BYTES + " bytes");
      }
      if (!printable(k) || !printable(e.getValue())) {
        throw ConnectException.invalidArgument(
            "invalid metadata: key and value of " + k + " must be printable US-ASCII");
      }
      total += "user.e2b.".length() + k.length() + e.getValue().length();
    }
    if (total > MAX_TOTAL_BYTES) {
      throw ConnectException.invalidArgument(
          "invalid metadata: total size " + total + " exceeds " + MAX_TOTAL_BYTES + " bytes");
    }
  }

  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /** The file's metadata; empty when none or when the file system has no user xattrs. */
  public static Map<String, String> read(Path file) {
    Map<String, String> out = new TreeMap<>();
    UserDefinedFileAttributeView view = view(file);
    if (view == null) {
      return out;
    }
    try {
      for (String name : view.list()) {
        if (!name.startsWith(ATTR_PREFIX)) {
          continue;
        }
        ByteBuffer buf = ByteBuffer.allocate(view.size(name));
        view.read(name, buf);
        buf.flip();
        try {
          // Set from inside the sandbox (setfattr), a value may be any bytes: skip non-UTF-8.
          String value =
              StandardCharsets.UTF_8
                  .newDecoder()
                  .onMalformedInput(CodingErrorAction.REPORT)
                  .decode(buf)
                  .toString();
          out.put(name.substring(ATTR_PREFIX.length()), value);
        } catch (CharacterCodingException ignored) {
          // Not representable in a proto string.
        }
      }
    } catch (IOException e) {
      // Unsupported (procfs, sysfs) or gone: no metadata.
      LOG.log(Level.FINEST, "no xattrs on " + file, e);
    }
    return out;
  }

  /**
   * Adds the file's metadata to an entry (an upload result or a filesystem entry) as object {@code
   * metadata}; a file without any gets no such field.
   */
  public static void addTo(ObjectNode entry, Path file) {
    Map<String, String> metadata = read(file);
    if (!metadata.isEmpty()) {
      ObjectNode m = entry.putObject("metadata");
      metadata.forEach(m::put);
    }
  }

  /**
   * Replaces the file's metadata with {@code metadata}: keys not in it are removed (an overwrite
   * without metadata clears what an earlier upload set).
   */
  public static void replace(Path file, Map<String, String> metadata) throws IOException {
    UserDefinedFileAttributeView view = view(file);
    if (view == null) {
      return;
    }
    try {
      for (String name : view.list()) {
        if (name.startsWith(ATTR_PREFIX)
            && !metadata.containsKey(name.substring(ATTR_PREFIX.length()))) {
          view.delete(name);
        }
      }
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        view.write(
            ATTR_PREFIX + e.getKey(),
            ByteBuffer.wrap(e.getValue().getBytes(StandardCharsets.US_ASCII)));
      }
    } catch (FileSystemException e) {
      if (unsupported(e)) {
        LOG.log(Level.WARNING, "file system of " + file + " has no user xattrs: metadata not kept");
        return;
      }
      throw e;
    }
  }

  private static boolean unsupported(FileSystemException e) {
    String reason = String.valueOf(e.getReason()).toLowerCase(Locale.ROOT);
    return reason.contains("not supported");
  }

  private static UserDefinedFileAttributeView view(Path file) {
    try {
      return Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
    } catch (UnsupportedOperationException e) {
      return null;
    }
  }
}
