package io.galleonfs.node.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * The bytes of one Raft log entry and of its reply. A lone command is its JSON object (the format every entry had before
 * batching, so old logs and snapshots read unchanged); several commands submitted concurrently share one entry, a JSON
 * array of those objects, applied in order, and the reply is the array of their results in the same order. Batching is
 * a property of the log entry, not of the metadata model: {@link MetaCommand} has no batch command.
 */
final class RaftEntry {
    private static final TypeReference<List<MetaCommand>> COMMANDS = new TypeReference<>() {
    };
    private static final TypeReference<List<MetaResult>> RESULTS = new TypeReference<>() {
    };

    private RaftEntry() {
    }

    /** One command's bytes, encoded by the submitting thread so that a batch only concatenates. */
    static byte[] encode(MetaCommand command) throws IOException {
        return RaftMetadataStore.JSON.writeValueAsBytes(command);
    }

    /** The entry for already encoded commands: the object itself for one, an array for several. */
    static byte[] entry(List<byte[]> encodedCommands) {
        if (encodedCommands.size() == 1) {
            return encodedCommands.getFirst();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(encodedCommands.stream().mapToInt(b -> b.length + 1).sum() + 1);
        out.write('[');
        for (int i = 0; i < encodedCommands.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(encodedCommands.get(i));
        }
        out.write(']');
        return out.toByteArray();
    }

    static boolean isBatch(byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = data[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return b == '[';
            }
        }
        return false;
    }

    static List<MetaCommand> commands(byte[] data, int offset, int length) throws IOException {
        if (isBatch(data, offset, length)) {
            return RaftMetadataStore.JSON.readValue(data, offset, length, COMMANDS);
        }
        return List.of(RaftMetadataStore.JSON.readValue(data, offset, length, MetaCommand.class));
    }

    /** The reply to an entry: the result object for a lone command, the array of results for a batch. */
    static byte[] reply(boolean batch, List<MetaResult> results) throws IOException {
        // writerFor: a plain List would lose the elements' type ids (erasure)
        return batch ? RaftMetadataStore.JSON.writerFor(RESULTS).writeValueAsBytes(results) : RaftMetadataStore.JSON.writeValueAsBytes(results.getFirst());
    }

    /** The results of an entry of {@code count} commands, one per command in submission order. */
    static List<MetaResult> results(byte[] reply, int count) throws IOException {
        List<MetaResult> results = count == 1 && !isBatch(reply, 0, reply.length)
                ? List.of(RaftMetadataStore.JSON.readValue(reply, MetaResult.class))
                : RaftMetadataStore.JSON.readValue(reply, RESULTS);
        if (results.size() != count) {
            throw new IOException("the leader answered " + results.size() + " results for an entry of " + count + " commands");
        }
        return results;
    }
}
