package io.openkruise.agents.runtime.filesystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** envd's encodings: Go's FileMode strings, metadata headers, network file system types. */
@io.openkruise.agents.testing.tier.UnitTier
class EntryEncodingTest {
  @Test
  void modeStringsAreGosFileModeString() {
    assertThat(EntryInfos.goModeString(EntryInfos.S_IFDIR | 0755)).isEqualTo("drwxr-xr-x");
    assertThat(EntryInfos.goModeString(EntryInfos.S_IFREG | 0640)).isEqualTo("-rw-r-----");
    assertThat(EntryInfos.goModeString(EntryInfos.S_IFLNK | 0777)).isEqualTo("Lrwxrwxrwx");
    assertThat(EntryInfos.goModeString(EntryInfos.S_IFDIR | 01777)).isEqualTo("dtrwxrwxrwx");
    assertThat(EntryInfos.goModeString(EntryInfos.S_IFCHR | 0666)).isEqualTo("Dcrw-rw-rw-");
    assertThat(EntryInfos.goModeString(EntryInfos.S_IFREG | 04755)).isEqualTo("urwxr-xr-x");
    assertThat(EntryInfos.goModeString(EntryInfos.S_IFIFO | 0644)).isEqualTo("prw-r--r--");
  }

  @Test
  void fileTypesFollowTheStatType() {
    assertThat(EntryInfos.fileType(EntryInfos.S_IFREG | 0644)).isEqualTo("FILE_TYPE_FILE");
    assertThat(EntryInfos.fileType(EntryInfos.S_IFDIR | 0755)).isEqualTo("FILE_TYPE_DIRECTORY");
    assertThat(EntryInfos.fileType(EntryInfos.S_IFCHR | 0666)).isEqualTo("FILE_TYPE_UNSPECIFIED");
  }

  @Test
  void metadataHeadersAreLowercasedAndValidated() {
    Map<String, String> m =
        FileMetadata.fromHeaders(
            List.of(
                Map.entry("X-Metadata-Owner", "alice"),
                Map.entry("x-metadata-stage", "raw"),
                Map.entry("Content-Type", "application/octet-stream")));
    assertThat(m).containsExactly(Map.entry("owner", "alice"), Map.entry("stage", "raw"));
    assertThatThrownBy(() -> FileMetadata.fromHeaders(List.of(Map.entry("X-Metadata-k", "\u00e9"))))
        .hasMessageContaining("printable");
    assertThatThrownBy(
            () -> FileMetadata.fromHeaders(List.of(Map.entry("X-Metadata-k", "v".repeat(5000)))))
        .hasMessageContaining("exceeds");
  }

  @Test
  void networkFileSystemsAreTheOnesEnvdRefuses() {
    assertThat(FilesystemService.networkFileSystem("nfs4")).isTrue();
    assertThat(FilesystemService.networkFileSystem("fuse.sshfs")).isTrue();
    assertThat(FilesystemService.networkFileSystem("cifs")).isTrue();
    assertThat(FilesystemService.networkFileSystem("ext4")).isFalse();
    assertThat(FilesystemService.networkFileSystem("overlay")).isFalse();
  }

  @Test
  void simulatedOwnersAreTheTemplatesUser() {
    FileOwners o =
        new FileOwners(true, () -> "user", 1000, 1000, Map.of(0, "root"), Map.of(0, "root"));
    assertThat(o.user(1000)).isEqualTo("user");
    assertThat(o.group(1000)).isEqualTo("user");
    assertThat(o.user(0)).isEqualTo("root");
    assertThat(o.user(4242)).isEqualTo("4242");
  }
}
