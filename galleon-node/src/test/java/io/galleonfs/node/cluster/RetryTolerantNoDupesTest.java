package io.galleonfs.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.Util;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RetryTolerantNoDupesTest {
    private final List<Message> sentDown = new ArrayList<>();
    private final RetryTolerantNoDupes noDupes = new RetryTolerantNoDupes();
    private final ExtendedUUID coordinator = member("coordinator");
    private final ExtendedUUID joiner = member("joiner");

    private static ExtendedUUID member(String raftId) {
        return ExtendedUUID.randomUUID(raftId).put(RAFT.raft_id_key, Util.stringToBytes(raftId));
    }

    @BeforeEach
    void viewWithTheJoinerAdmitted() {
        noDupes.setDownProtocol(new Protocol() {
            @Override
            public Object down(Event evt) {
                return null;
            }

            @Override
            public Object down(Message msg) {
                sentDown.add(msg);
                return null;
            }
        });
        noDupes.down(new Event(Event.VIEW_CHANGE, View.create(coordinator, 2, coordinator, joiner)));
    }

    @Test
    void aRetriedJoinOfTheAdmittedMemberGoesOnToGms() {
        assertTrue(noDupes.handleGmsHeader(new GMS.GmsHeader(GMS.GmsHeader.JOIN_REQ, joiner), joiner));
        assertTrue(noDupes.handleGmsHeader(new GMS.GmsHeader(GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER, joiner), joiner));
        assertEquals(List.of(), sentDown, "no rejection sent");
    }

    @Test
    void anotherProcessWithARaftIdInTheViewIsStillRefused() {
        ExtendedUUID impostor = member("joiner");
        assertFalse(noDupes.handleGmsHeader(new GMS.GmsHeader(GMS.GmsHeader.JOIN_REQ, impostor), impostor));
        assertEquals(1, sentDown.size(), "a JOIN rejection goes back to the impostor");
        assertEquals(impostor, sentDown.getFirst().dest());
    }

    @Test
    void aNewRaftIdJoins() {
        ExtendedUUID fresh = member("fresh");
        assertTrue(noDupes.handleGmsHeader(new GMS.GmsHeader(GMS.GmsHeader.JOIN_REQ, fresh), fresh));
    }
}
