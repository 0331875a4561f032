package io.openkruise.agents.localcluster.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.openkruise.agents.testing.tier.UnitTier
class RunDirsTest {

  @Test
  void onlyDirsOfDeadOwnersAreAbandoned(@TempDir Path parent) throws Exception {
    Path mine = parent.resolve("run-mine");
    RunDirs.claim(mine);
    Path dead = Files.createDirectories(parent.resolve("run-dead"));
    Files.writeString(dead.resolve(RunDirs.OWNER_FILE), "1 2000-01-01T00:00:00Z");
    Path foreign = Files.createDirectories(parent.resolve("run-no-owner"));
    Path other = Files.createDirectories(parent.resolve("other-dead"));
    Files.writeString(other.resolve(RunDirs.OWNER_FILE), "1 2000-01-01T00:00:00Z");

    assertThat(RunDirs.abandoned(parent, "run-")).containsExactly(dead);

    Files.createDirectories(dead.resolve("a/b"));
    RunDirs.delete(dead);
    assertThat(dead).doesNotExist();
    assertThat(mine).isDirectory();
    assertThat(foreign).isDirectory();
  }
}
