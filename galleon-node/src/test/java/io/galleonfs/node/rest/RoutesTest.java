package io.galleonfs.node.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.auth.AccessRule;
import io.galleonfs.node.auth.Role;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-method route facts must be exactly what the filters computed per request before. */
class RoutesTest {
    private static ResourceInfo info(Class<?> type, Method method) {
        return new ResourceInfo() {
            @Override
            public Method getResourceMethod() {
                return method;
            }

            @Override
            public Class<?> getResourceClass() {
                return type;
            }
        };
    }

    @Test
    void everyResourceMethodGetsItsTemplateRoleAndParameters() throws Exception {
        int checked = 0;
        for (Class<?> type : List.of(VolumeDataResource.class, VolumeResource.class, TokenResource.class, ClusterResource.class,
                DaemonResource.class, BackupTargetResource.class, StorageClassResource.class, NodeCertificateResource.class,
                VolumeQosResource.class, MountResource.class)) {
            for (Method m : type.getDeclaredMethods()) {
                if (!java.lang.reflect.Modifier.isPublic(m.getModifiers())) {
                    continue;
                }
                Routes.Route r = Routes.of(info(type, m));
                assertSame(r, Routes.of(info(type, m)), "remembered per method");
                String template = Routes.template(type, m);
                assertEquals(template, r.template());
                assertEquals(template.startsWith(NamespaceFilter.VOLUME_ROUTES), r.volumeRoute());
                for (String verb : List.of("GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "get")) {
                    assertEquals(AccessRule.required(verb, template), r.required(verb), verb + " " + template);
                }
                for (String p : r.parameters()) {
                    assertTrue(template.contains("{" + p + "}"), template + " has " + p);
                }
                checked++;
            }
        }
        assertTrue(checked > 30, "covers the resources: " + checked);
    }

    @Test
    void templatesAndParameterNames() throws Exception {
        Method write = VolumeDataResource.class.getMethod("write", String.class, long.class, String.class, Long.class,
                java.io.InputStream.class);
        Routes.Route r = Routes.of(info(VolumeDataResource.class, write));
        assertEquals("/api/v1/volumes/{ref}/data", r.template());
        assertEquals(List.of("ref"), r.parameters());
        assertEquals(Role.OPERATOR, r.required("PUT"));
        assertEquals(Role.VIEWER, r.required("GET"));
        assertEquals(List.of("ref", "name"), Routes.parameters("/api/v1/volumes/{ref}/snapshots/{ name : [a-z]+ }"));
        assertEquals(List.of(), Routes.parameters("/api/v1/volumes"));
        Routes.Route none = Routes.of(null);
        assertEquals("", none.template());
        assertFalse(none.volumeRoute());
    }
}
