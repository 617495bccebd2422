package io.galleonfs.node.replication;

import java.util.concurrent.CompletionStage;

/** Serves data-plane requests; called on an event loop, so blocking work must be handed off. */
public interface DataRequestHandler {
    CompletionStage<DataMessage.Response> handle(String peerNodeId, DataMessage.Request request);
}
