package io.galleonfs.node.replication;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

/**
 * Splits a socket's bytes into frames: a fixed header, then exactly the payload length it announced, which is
 * validated before any payload buffer exists. Runs on the socket's event loop.
 */
final class FrameReader {
    /** Receives whole, checked frames. */
    interface FrameHandler {
        void frame(long requestId, DataMessage message);

        void malformed(ProtocolException e);
    }

    private final RecordParser parser;
    private DataCodec.Header pending;
    private boolean failed;

    FrameReader(FrameHandler handler) {
        parser = RecordParser.newFixed(DataCodec.HEADER);
        parser.handler(record -> {
            if (failed) {
                return;
            }
            try {
                if (pending == null) {
                    DataCodec.Header h = DataCodec.readHeader(record);
                    if (h.length() == 0) {
                        handler.frame(h.requestId(), DataCodec.decode(h, Buffer.buffer()));
                    } else {
                        pending = h;
                        parser.fixedSizeMode(h.length());
                    }
                } else {
                    DataCodec.Header h = pending;
                    pending = null;
                    parser.fixedSizeMode(DataCodec.HEADER);
                    handler.frame(h.requestId(), DataCodec.decode(h, record));
                }
            } catch (ProtocolException e) {
                failed = true;
                handler.malformed(e);
            }
        });
    }

    void feed(Buffer bytes) {
        if (!failed) {
            parser.handle(bytes);
        }
    }
}
