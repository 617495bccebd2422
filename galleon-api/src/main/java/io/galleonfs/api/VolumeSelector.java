package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The volumes a policy covers: those named, plus those carrying every one of the labels (in {@code namespace} when it
 * is given); a namespace alone covers every volume of that namespace.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record VolumeSelector(List<String> volumes, Map<String, String> labels, String namespace) {

    public VolumeSelector(List<String> volumes, Map<String, String> labels) {
        this(volumes, labels, null);
    }
}
