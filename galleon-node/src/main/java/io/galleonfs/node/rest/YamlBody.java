package io.galleonfs.node.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyReader;
import jakarta.ws.rs.ext.Provider;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;

/**
 * Reads an {@code application/yaml} request body into the same records as JSON, with the JSON mapper's settings (unknown
 * fields, duplicate keys and fractions are errors alike), so a spec file a user wrote for {@code galleonfs ... create FILE}
 * can be pasted into the dashboard as it is. Only the spec-file resources (storage classes, policies, QoS policies)
 * declare {@link #TYPE}; a parse error is a JsonProcessingException, answered 400 by {@link ProblemMappers}.
 */
@Provider
@Consumes({YamlBody.TYPE, "text/yaml", "application/x-yaml"})
public class YamlBody implements MessageBodyReader<Object> {
    public static final String TYPE = "application/yaml";

    private final ObjectMapper yaml;

    @Inject
    public YamlBody(ObjectMapper json) {
        this.yaml = json.copyWith(new YAMLFactory());
    }

    @Override
    public boolean isReadable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return !type.isPrimitive() && type != String.class && type != byte[].class && type != InputStream.class;
    }

    @Override
    public Object readFrom(Class<Object> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                           MultivaluedMap<String, String> headers, InputStream body) throws IOException {
        return yaml.readerFor(yaml.constructType(genericType)).readValue(body);
    }
}
