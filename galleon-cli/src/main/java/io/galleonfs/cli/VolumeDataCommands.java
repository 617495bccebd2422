package io.galleonfs.cli;

import io.galleonfs.api.CloneRequest;
import io.galleonfs.api.ExpandRequest;
import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.RestoreRequest;
import io.galleonfs.api.Sizes;
import io.galleonfs.api.VerifyResult;
import io.galleonfs.api.VolumeInfo;
import io.galleonfs.api.WriteResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Volume data commands: import, export, restore, clone, expand, verify, scrub, trim. */
final class VolumeDataCommands {
    /** Transfers go in chunks of this size, below the daemon's 8 MiB per-request limit. */
    static final int CHUNK = 4 << 20;

    private VolumeDataCommands() {
    }

    /** The size of a regular file to import, or 0 when unknown (standard input, a pipe, a device). */
    static long fileSize(String file) {
        try {
            Path p = Path.of(file);
            return !file.equals("-") && Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Command(name = "import", description = "Write a file (or - for stdin) into a volume, like rbd import", mixinStandardHelpOptions = true)
    static class Import implements Runnable {
        @Parameters(index = "0", paramLabel = "VOL")
        String volume;
        @Parameters(index = "1", paramLabel = "FILE", description = "File to read, or - for standard input")
        String file;
        @Option(names = "--offset", defaultValue = "0", description = "Byte offset in the volume (K/M/G suffixes allowed)")
        String offset;
        @Option(names = "--write-concern", description = "acknowledged, durable, replicated or distributed (default: the node's persistence level)")
        String writeConcern;

        @Override
        public void run() {
            GalleonApi api = ApiClients.api();
            long pos = parseOffset(offset);
            long start = pos;
            long t0 = System.nanoTime();
            String concern = writeConcern;
            ProgressLine progress = ProgressLine.onTerminal("importing", fileSize(file));
            // The first write alone: its answer names the concern the node chose, which every later write then asks for.
            try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file));
                 InFlight<Integer> writes = new InFlight<>(InFlight.TRANSFER_DEPTH)) {
                byte[] first = in.readNBytes(CHUNK);
                if (first.length > 0) {
                    concern = api.writeData(volume, pos, concern, first).writeConcern();
                    pos += first.length;
                    progress.update(pos - start);
                }
                String chosen = concern;
                long done = pos;
                byte[] buf;
                while (first.length == CHUNK && (buf = in.readNBytes(CHUNK)).length > 0) {
                    if (writes.full()) {
                        done += writes.takeOldest();
                        progress.update(done - start);
                    }
                    long at = pos;
                    byte[] chunk = buf;
                    writes.submit(() -> {
                        api.writeData(volume, at, chosen, chunk);
                        return chunk.length;
                    });
                    pos += chunk.length;
                    if (chunk.length < CHUNK) {
                        break;
                    }
                }
                while (!writes.isEmpty()) {
                    done += writes.takeOldest();
                    progress.update(done - start);
                }
            } catch (NoSuchFileException e) {
                throw new ErrorHandler.CliException("file " + file + " does not exist");
            } catch (IOException e) {
                throw new ErrorHandler.CliException("cannot read " + file + ": " + e.getMessage());
            }
            progress.finish();
            double secs = (System.nanoTime() - t0) / 1e9;
            System.err.printf("Imported %s into %s at offset %d (%s, %.1f MB/s)%n", Sizes.format(pos - start), volume, start,
                    concern == null ? "nothing written" : concern, (pos - start) / 1e6 / Math.max(secs, 1e-9));
        }
    }

    @Command(name = "export", description = "Read a volume into a file (or - for stdout), like rbd export", mixinStandardHelpOptions = true)
    static class Export implements Runnable {
        @Parameters(index = "0", paramLabel = "VOL")
        String volume;
        @Parameters(index = "1", paramLabel = "FILE", description = "File to write, or - for standard output")
        String file;
        @Option(names = "--offset", defaultValue = "0", description = "Byte offset in the volume")
        String offset;
        @Option(names = "--length", description = "Bytes to export (default: to the end of the volume)")
        String length;

        @Override
        public void run() {
            GalleonApi api = ApiClients.api();
            VolumeInfo v = api.getVolume(volume);
            long pos = parseOffset(offset);
            long end = length == null ? v.sizeBytes() : pos + Sizes.parse(length);
            if (pos > v.sizeBytes() || end > v.sizeBytes()) {
                throw new ErrorHandler.CliException("range is beyond the end of volume '" + v.name() + "' (" + v.sizeBytes() + " bytes)");
            }
            long total = end - pos;
            long first = pos;
            ProgressLine progress = ProgressLine.onTerminal("exporting", total);
            try (OutputStream out = file.equals("-") ? System.out : Files.newOutputStream(Path.of(file),
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                // Reads of the next chunks run while this one is written out; chunks are written in volume order.
                try (InFlight<byte[]> reads = new InFlight<>(InFlight.TRANSFER_DEPTH)) {
                    long next = pos;
                    while (pos < end) {
                        while (next < end && !reads.full()) {
                            long at = next;
                            int n = (int) Math.min(CHUNK, end - at);
                            reads.submit(() -> {
                                byte[] chunk = api.readData(volume, at, n);
                                if (chunk.length != n) {
                                    throw new ErrorHandler.CliException("the daemon returned " + chunk.length + " bytes where "
                                            + n + " were asked");
                                }
                                return chunk;
                            });
                            next += n;
                        }
                        byte[] chunk = reads.takeOldest();
                        out.write(chunk);
                        pos += chunk.length;
                        progress.update(pos - first);
                    }
                }
            } catch (IOException e) {
                throw new ErrorHandler.CliException("cannot write " + file + ": " + e.getMessage());
            }
            progress.finish();
            System.err.println("Exported " + Sizes.format(total) + " of " + v.name());
        }
    }

    @Command(name = "restore", description = "Restore the live volume to a snapshot (point in time)", mixinStandardHelpOptions = true)
    static class Restore implements Runnable {
        @Parameters(paramLabel = "VOL")
        String volume;
        @Option(names = "--snapshot", required = true, description = "Snapshot to restore")
        String snapshot;

        @Override
        public void run() {
            ApiClients.api().restoreVolume(volume, new RestoreRequest(snapshot));
            System.out.println("Restored volume " + volume + " to snapshot " + snapshot);
        }
    }

    @Command(name = "clone", description = "Clone a volume (or one of its snapshots) into a new independent volume", mixinStandardHelpOptions = true)
    static class Clone implements Runnable {
        @Parameters(paramLabel = "VOL")
        String volume;
        @Option(names = {"-n", "--name"}, required = true, description = "Name of the new volume")
        String name;
        @Option(names = "--snapshot", description = "Snapshot to clone (default: the live volume)")
        String snapshot;
        @Option(names = "--wait", description = "Wait until every copy of the clone is healthy (the copies besides the "
                + "primary's are filled in the background), with progress on a terminal; Ctrl-C stops waiting, not the copying")
        boolean await;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            GalleonApi api = ApiClients.api();
            VolumeInfo cloned = api.cloneVolume(volume, new CloneRequest(name, snapshot));
            VolumeInfo v = await ? awaitCopies(api, cloned) : cloned;
            Printer.print(System.out, out.format(), v, o -> o.println("Cloned " + volume + (snapshot == null ? "" : "@" + snapshot)
                    + " into volume " + v.name() + " (" + v.id() + ")"
                    + (await ? "; all " + v.replicas().size() + " copies healthy" : "")));
        }

        /** Polls the clone's record twice a second until its copies are healthy; a vanished clone ends the wait with an error. */
        private static VolumeInfo awaitCopies(GalleonApi api, VolumeInfo v) {
            ProgressLine progress = ProgressLine.onTerminal("copying", CopiesProgress.of(v).totalBytes());
            try {
                while (true) {
                    CopiesProgress p = CopiesProgress.of(v);
                    if (p.complete()) {
                        return v;
                    }
                    progress.update(p.doneBytes());
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for the copies of " + v.name());
                    }
                    v = api.getVolume(v.id());
                }
            } finally {
                progress.finish();
            }
        }
    }

    @Command(name = "expand", description = "Grow a volume online", mixinStandardHelpOptions = true)
    static class Expand implements Runnable {
        @Parameters(paramLabel = "VOL")
        String volume;
        @Option(names = {"-s", "--size"}, required = true, description = "New size with suffix (K/M/G/T)")
        String size;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            VolumeInfo v = ApiClients.api().expandVolume(volume, new ExpandRequest(size));
            Printer.print(System.out, out.format(), v, o -> o.println("Volume " + v.name() + " is now " + Sizes.format(v.sizeBytes())));
        }
    }

    @Command(name = "verify", description = "Check every stored block of a volume against its checksum", mixinStandardHelpOptions = true)
    static class Verify implements Runnable {
        @Parameters(paramLabel = "VOL")
        String volume;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            VerifyResult r = ApiClients.api().verifyVolume(volume);
            Printer.print(System.out, out.format(), r, o -> {
                o.println("Checked " + r.blocksChecked() + " block(s) of " + r.volume() + ": "
                        + (r.healthy() ? "all good" : r.badBlocks().size() + " bad"));
                r.badBlocks().forEach(b -> o.println("  checksum mismatch in block " + b));
            });
            if (!r.healthy()) {
                throw new ErrorHandler.CliException("volume " + r.volume() + " has " + r.badBlocks().size() + " corrupted block(s)");
            }
        }
    }

    @Command(name = "scrub", description = "Compare a replicated volume's copies block by block and repair divergent blocks",
            mixinStandardHelpOptions = true)
    static class Scrub implements Runnable {
        @Parameters(paramLabel = "VOL")
        String volume;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            io.galleonfs.api.ScrubResult r = ApiClients.api().scrubVolume(volume);
            Printer.print(System.out, out.format(), r, o -> o.println("Scrubbed " + r.blocksChecked() + " block(s) of " + r.volume()
                    + ": " + (r.blocksRepaired() == 0 ? "all copies agree" : r.blocksRepaired() + " repaired")));
        }
    }

    @Command(name = "trim", description = "Discard a byte range (default: the whole volume); freed blocks read as zeros",
            mixinStandardHelpOptions = true)
    static class Trim implements Runnable {
        @Parameters(paramLabel = "VOL")
        String volume;
        @Option(names = "--offset", defaultValue = "0", description = "Start of the range")
        String offset;
        @Option(names = "--length", description = "Length of the range (default: to the end)")
        String length;

        @Override
        public void run() {
            VolumeInfo v = ApiClients.api().trimVolume(volume, new io.galleonfs.api.TrimRequest(offset, length));
            System.out.println("Trimmed " + v.name() + "; allocated now " + Sizes.format(v.allocatedBytes()));
        }
    }

    static long parseOffset(String text) {
        if (text.equals("0")) {
            return 0;
        }
        try {
            return Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ErrorHandler.CliException("--offset: " + e.getMessage());
        }
    }
}
