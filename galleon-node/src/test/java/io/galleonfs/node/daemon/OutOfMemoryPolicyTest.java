package io.galleonfs.node.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OutOfMemoryPolicyTest {
    @Test
    void theSuccessorOfADaemonStartedWithoutTheFlagGetsIt() {
        assertEquals(List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError"), OutOfMemoryPolicy.withExitOnOutOfMemory(List.of("-Xmx1g")));
        assertEquals(List.of("-XX:+CrashOnOutOfMemoryError"), OutOfMemoryPolicy.withExitOnOutOfMemory(List.of("-XX:+CrashOnOutOfMemoryError")));
        assertEquals(List.of("-XX:-ExitOnOutOfMemoryError"), OutOfMemoryPolicy.withExitOnOutOfMemory(List.of("-XX:-ExitOnOutOfMemoryError")),
                "an explicit choice is kept");
    }

    @Test
    void theRestartCommandCarriesTheFlag() {
        List<String> cmd = LaunchArgs.successorCommand(GalleonNodeMain.class.getName());
        int main = Math.max(cmd.indexOf("-jar"), cmd.indexOf("-cp"));
        assertTrue(main > 0, cmd.toString());
        assertTrue(cmd.subList(1, main).stream().anyMatch(a -> a.contains("OnOutOfMemoryError")), "JVM options of " + cmd);
    }
}
