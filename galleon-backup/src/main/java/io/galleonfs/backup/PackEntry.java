package io.galleonfs.backup;

/** One blob inside a pack, as listed in the pack's trailing index and in index files. */
record PackEntry(byte[] id, int offset, int blobLength, int plainLength) {
}
