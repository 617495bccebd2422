package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** The volumes a policy covers: those named, plus those carrying every one of the labels. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record VolumeSelector(List<String> volumes, Map<String, String> labels) {
}
