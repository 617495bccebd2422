package io.galleonfs.backup;

import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.AEADBadTagException;
import org.jboss.logging.Logger;

/**
 * Gets the JDK's AES-GCM and HMAC-SHA256 code compiled by C2 once per process, on a background thread, before the
 * first backup or restore needs it. Why: the combined AES-GCM intrinsic (VAES/AVX-512 or AVX2 + CLMUL, several
 * GB/s) only replaces {@code GaloisCounterMode.implGCMCrypt0} in C2-compiled callers. A backup seals about one
 * 1 MiB chunk per call, so the callers reach C2's invocation threshold (~5,000 calls) only after gigabytes; until
 * then GCM runs the Java GHASH at ~60 MB/s, which was most of a full backup's CPU profile. Thousands of small
 * seals/opens through the very same {@link RepositoryKeys} methods, plus a few chunk-sized ones (larger than the
 * JDK's 1 MiB split length, so the compiled code has seen that branch and does not deoptimize on the first real
 * chunk), cost about a second of one core once per process. The node starts it at boot
 * ({@link BackupRepository#warmUpCrypto()}), so it is done before the first job; any repository handle also starts it.
 */
final class CryptoWarmup {
    private static final Logger LOG = Logger.getLogger(CryptoWarmup.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    static final int ROUNDS = 12_000;
    private static final int SMALL = 1024;
    private static final byte[] AAD = Codecs.ascii("galleon-backup warm-up");

    private CryptoWarmup() {
    }

    /** Starts the warm-up unless this process already did (or set {@code galleon.backup.warmup=false}). */
    static void start() {
        if (!Boolean.parseBoolean(System.getProperty("galleon.backup.warmup", "true")) || !STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(CryptoWarmup::run, "galleon-backup-crypto-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    static void run() {
        long t0 = System.nanoTime();
        RepositoryKeys keys = new RepositoryKeys(RepositoryKeys.randomBytes(32));
        byte[] small = RepositoryKeys.randomBytes(SMALL);
        byte[] large = RepositoryKeys.randomBytes(BackupRun.CHUNK_MAX + 1);
        byte[] opened = new byte[large.length + 1];
        try {
            for (int i = 0; i < ROUNDS; i++) {
                // the large ones come while the callers are being profiled (after C1's ~200 calls), before C2
                byte[] plain = i % 1000 == 500 && i < 4000 ? large : small;
                keys.chunkId(plain, 0, plain.length);
                Codecs.sha256Hex(plain); // names of packs and index objects: MiBs per call, same digest code
                byte[] sealed = keys.seal(plain, AAD);
                keys.open(sealed, AAD);
                // the chunk paths: codec byte then payload into one cipher call sequence, opened into a scratch buffer
                byte[] chunk = keys.seal(Codecs.CODEC_RAW, plain, 0, plain.length, AAD);
                keys.openInto(chunk, 0, chunk.length, AAD, opened);
            }
            LOG.debugf("AES-GCM and HMAC-SHA256 warmed up in %d ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (AEADBadTagException | RuntimeException e) {
            // only speed is at stake: the real operations report their own errors
            LOG.debugf(e, "crypto warm-up stopped");
        }
    }
}
