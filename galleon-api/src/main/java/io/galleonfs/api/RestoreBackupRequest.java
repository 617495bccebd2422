package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Body of backup restore: either {@code to_volume} (a new volume, with an optional class and size at least the backup's)
 * or {@code in_place} (the backed-up volume; refused while mounted or exported unless {@code force}).
 */
public record RestoreBackupRequest(@JsonProperty("to_volume") String toVolume, @JsonProperty("storage_class") String storageClass,
                                   String size, @JsonProperty("in_place") Boolean inPlace, Boolean force) {
}
