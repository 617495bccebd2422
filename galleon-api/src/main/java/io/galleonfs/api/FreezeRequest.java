package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Body of {@code POST /volumes/{ref}/freeze}: the freeze ends by itself after {@code timeout_seconds} (default 60). */
public record FreezeRequest(@JsonProperty("timeout_seconds") Integer timeoutSeconds) {
}
