package io.galleonfs.node.rest;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class CrossSiteRequestsTest {

    @Test
    void foreignOriginsMayNotChangeAnything() {
        assertNotNull(CrossSiteRequests.problem("POST", "http://evil.example", null, "127.0.0.1:8090"));
        assertNotNull(CrossSiteRequests.problem("DELETE", "http://127.0.0.1:9999", null, "127.0.0.1:8090"));
        assertNotNull(CrossSiteRequests.problem("POST", "null", null, "127.0.0.1:8090"));
        assertNotNull(CrossSiteRequests.problem("PUT", null, "cross-site", "127.0.0.1:8090"));
        assertNotNull(CrossSiteRequests.problem("POST", "::not a uri::", null, "127.0.0.1:8090"));
    }

    @Test
    void sameOriginNonBrowserAndSafeRequestsPass() {
        assertNull(CrossSiteRequests.problem("POST", "http://127.0.0.1:8090", "same-origin", "127.0.0.1:8090"));
        assertNull(CrossSiteRequests.problem("POST", "http://node.example", null, "node.example:80"));
        assertNull(CrossSiteRequests.problem("POST", null, null, "127.0.0.1:8090"));
        assertNull(CrossSiteRequests.problem("GET", "http://evil.example", "cross-site", "127.0.0.1:8090"));
    }
}
