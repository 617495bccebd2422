package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A backup or snapshot policy as written in a policy file: the seed's {@code BackupPolicy} fields (name, schedule,
 * retention, strategy, consistency) load unchanged; the rest is optional. {@code starting_deadline} is in seconds.
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
        Boolean suspended) {
}
