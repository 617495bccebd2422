package io.galleonfs.engine.lsm;

/**
 * A snapshot of a volume in the {@link LogStore}.
 *
 * @param id              unique in the store (the sequence number of the record that created it)
 * @param blocks          entries of the snapshot's own map: blocks that changed after it (the bytes it alone holds,
 *                        or zeros it sees where newer versions hold data)
 */
public record LogSnapshot(String name, long id, long createdAtMillis, long blocks) {
}
