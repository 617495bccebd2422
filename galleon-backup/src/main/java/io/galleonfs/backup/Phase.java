package io.galleonfs.backup;

/** The step a long repository operation is in, reported through {@link Progress}. */
public enum Phase {
    LOADING_INDEX, READING, WRITING_INDEX, WRITING_MANIFEST, RESTORING, VERIFYING, COPYING, PRUNE_MARKING,
    PRUNE_REPACKING, PRUNE_DELETING, DONE
}
