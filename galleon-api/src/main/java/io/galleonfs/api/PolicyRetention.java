package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** GFS retention: the seed's daily/weekly/monthly plus hourly, yearly and keep_last (restic's forget flags). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyRetention(Integer hourly, Integer daily, Integer weekly, Integer monthly, Integer yearly,
                              @JsonProperty("keep_last") Integer keepLast) {
}
