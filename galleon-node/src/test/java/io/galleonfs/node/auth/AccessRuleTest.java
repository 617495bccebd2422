package io.galleonfs.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AccessRuleTest {

    @ParameterizedTest(name = "{0} {1} needs {2}")
    @CsvSource({
        "GET, /api/v1/volumes, VIEWER",
        "GET, /api/v1/volumes/{ref}/data, VIEWER",
        "GET, /api/v1/cluster/status, VIEWER",
        "GET, /api/v1/daemon/config, VIEWER",
        "GET, /api/v1/storage-classes/{name}, VIEWER",
        "GET, /api/v1/mounts, VIEWER",
        "POST, /api/v1/volumes, OPERATOR",
        "DELETE, /api/v1/volumes/{ref}, OPERATOR",
        "PUT, /api/v1/volumes/{ref}/data, OPERATOR",
        "POST, /api/v1/volumes/{ref}/snapshots, OPERATOR",
        "DELETE, /api/v1/volumes/{ref}/snapshots/{name}, OPERATOR",
        "POST, /api/v1/volumes/{ref}/restore, OPERATOR",
        "POST, /api/v1/volumes/{ref}/clone, OPERATOR",
        "POST, /api/v1/volumes/{ref}/expand, OPERATOR",
        "POST, /api/v1/volumes/{ref}/trim, OPERATOR",
        "POST, /api/v1/volumes/{ref}/verify, OPERATOR",
        "POST, /api/v1/volumes/{ref}/scrub, OPERATOR",
        "POST, /api/v1/volumes/{ref}/bench, OPERATOR",
        "POST, /api/v1/volumes/{ref}/mounts, OPERATOR",
        "DELETE, /api/v1/mounts, OPERATOR",
        "POST, /api/v1/volumes/{ref}/nbd, OPERATOR",
        "POST, /api/v1/storage-classes, ADMIN",
        "DELETE, /api/v1/storage-classes/{name}, ADMIN",
        "POST, /api/v1/cluster/join, ADMIN",
        "POST, /api/v1/cluster/leave, ADMIN",
        "POST, /api/v1/daemon/stop, ADMIN",
        "POST, /api/v1/daemon/restart, ADMIN",
        "POST, /api/v1/daemon/calibrate, ADMIN",
        "GET, /api/v1/daemon/capacity, VIEWER",
        "GET, /api/v1/tokens, ADMIN",
        "POST, /api/v1/tokens, ADMIN",
        "DELETE, /api/v1/tokens/{name}, ADMIN",
        "GET, /api/v1/audit, ADMIN",
        "GET, /api/v1/audit/verify, ADMIN",
        "POST, /api/v1/cluster/join-tokens, ADMIN",
        "GET, /api/v1/keys, ADMIN",
        "POST, /api/v1/keys/rotate, ADMIN",
        "POST, /api/v1/keys/destroy-old, ADMIN",
        "post, /api/v1/volumes, OPERATOR",
        "GET, /api/v1/qos-policies, VIEWER",
        "GET, /api/v1/qos-policies/{name}, VIEWER",
        "POST, /api/v1/qos-policies, ADMIN",
        "PUT, /api/v1/qos-policies/{name}, ADMIN",
        "DELETE, /api/v1/qos-policies/{name}, ADMIN",
        "PUT, /api/v1/volumes/{ref}/qos-policy, ADMIN",
        "DELETE, /api/v1/volumes/{ref}/qos-policy, ADMIN",
    })
    void restOperations(String method, String template, Role expected) {
        assertEquals(expected, AccessRule.required(method, template));
    }

    @ParameterizedTest(name = "{0} needs {1}")
    @CsvSource({
        "galleonfs.VolumeData/ReadBlock, VIEWER",
        "galleonfs.VolumeData/ReadRange, VIEWER",
        "galleonfs.VolumeData/GetVolumeUsage, VIEWER",
        "galleonfs.VolumeData/WriteBlock, OPERATOR",
        "galleonfs.VolumeData/WriteRange, OPERATOR",
        "galleonfs.VolumeData/CreateSnapshot, OPERATOR",
        "galleonfs.VolumeData/CloneVolume, OPERATOR",
    })
    void grpcMethods(String method, Role expected) {
        assertEquals(expected, AccessRule.requiredGrpc(method));
    }

    @Test
    void rolesIncludeTheOnesBelow() {
        assertTrue(Role.ADMIN.includes(Role.OPERATOR));
        assertTrue(Role.OPERATOR.includes(Role.VIEWER));
        assertFalse(Role.VIEWER.includes(Role.OPERATOR));
        assertFalse(Role.OPERATOR.includes(Role.ADMIN));
        assertEquals(Role.OPERATOR, Role.parse(" Operator "));
    }
}
