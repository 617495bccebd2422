package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A stored policy: its normalised spec, when it last fired and next fires, its latest run, and its runs still pending or running
 * ({@code open_runs}, what a scheduler acquires or takes over). Times are ISO-8601
 * instants; {@code last_scheduled_for} is the latest firing claimed or recorded as missed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyInfo(
        String id,
        PolicySpec spec,
        String status,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("last_scheduled_for") String lastScheduledFor,
        @JsonProperty("next_run") String nextRun,
        @JsonProperty("last_run") PolicyRunInfo lastRun,
        @JsonProperty("open_runs") java.util.List<PolicyRunInfo> openRuns) {
}
