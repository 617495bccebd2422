package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a command hook did on a node: its exit code ({@code null} when it was killed at its timeout or could not start),
 * how long it ran, and the last few KiB of its standard output and error.
 */
public record HookResult(String phase, String node, @JsonProperty("exit_code") Integer exitCode, @JsonProperty("timed_out") boolean timedOut,
                         @JsonProperty("duration_ms") long durationMs, @JsonProperty("stdout_tail") String stdoutTail,
                         @JsonProperty("stderr_tail") String stderrTail) {

    public boolean succeeded() {
        return exitCode != null && exitCode == 0 && !timedOut;
    }
}
