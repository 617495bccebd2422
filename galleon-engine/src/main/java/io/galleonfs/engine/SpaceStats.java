package io.galleonfs.engine;

/**
 * Free space as the engine sees it.
 *
 * @param availableBytes   bytes free on the engine's file system (statvfs f_bavail), -1 when unknown
 * @param reservedBytes    the reserve client writes may not use
 * @param reserveFileBytes part of the reserve currently held by the reserve file (counted as used by the file system)
 * @param writesRefused    the journal or apply thread met a full device and waits for space: writes get
 *                         {@link OutOfSpaceException} until it has room again
 */
public record SpaceStats(long availableBytes, long reservedBytes, long reserveFileBytes, boolean writesRefused) {
}
