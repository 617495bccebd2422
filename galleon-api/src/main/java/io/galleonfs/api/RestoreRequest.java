package io.galleonfs.api;

/** Body of a restore: the snapshot whose content the live volume takes. */
public record RestoreRequest(String snapshot) {
}
