package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A backup or snapshot policy as written in a policy file: the seed's {@code BackupPolicy} fields (name, schedule,
 * retention, strategy, consistency) load unchanged; the rest is optional. {@code starting_deadline} is in seconds. {@code pre_hook}/{@code post_hook} run around
 * the snapshot of an application-consistent policy (see {@link PolicyHook}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicySpec(
        String name,
        String schedule,
        PolicyRetention retention,
        String strategy,
        String consistency,
        String timezone,
        String kind,
        String target,
        VolumeSelector selector,
        String concurrency,
        @JsonProperty("starting_deadline") Long startingDeadline,
        Boolean suspended,
        @JsonProperty("pre_hook") PolicyHook preHook,
        @JsonProperty("post_hook") PolicyHook postHook) {

    public PolicySpec(String name, String schedule, PolicyRetention retention, String strategy, String consistency, String timezone,
                      String kind, String target, VolumeSelector selector, String concurrency, Long startingDeadline, Boolean suspended) {
        this(name, schedule, retention, strategy, consistency, timezone, kind, target, selector, concurrency, startingDeadline, suspended,
                null, null);
    }
}
