package io.galleonfs.engine;

/**
 * One layer as persisted in volume.meta.
 *
 * @param parentId        0 for the root layer
 * @param createdAtMillis when the layer was frozen (snapshots) or created (live)
 * @param name            snapshot name, null for the live layer and for hidden layers
 * @param hidden          a deleted snapshot whose layer awaits its merge into its only child
 */
record LayerRecord(long id, long parentId, long createdAtMillis, String name, boolean hidden) {
    LayerRecord withParent(long newParent) {
        return new LayerRecord(id, newParent, createdAtMillis, name, hidden);
    }
}
