package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** RFC 9457 problem details, the body of every API error. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance) {
    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(int status, String title, String detail) {
        return new Problem("about:blank", title, status, detail, null);
    }
}
