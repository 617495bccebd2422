package io.galleonfs.engine;

/** Checkpointed identity of one stored block: checksum of the stored bytes, sequence (GCM nonce) and GCM tag. */
record BlockVersion(int crc, long seq, byte[] tag) {
}
