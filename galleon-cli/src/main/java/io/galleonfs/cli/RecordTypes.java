package io.galleonfs.cli;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.galleonfs.cli.RecordJson.Unsupported;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link RecordJson} knows of the API's types: which ones it binds, and for a record its canonical constructor and
 * the JSON name of each component ({@link JsonProperty}), for an enum its {@link JsonCreator} factory. Looked up once
 * per type and kept: a 10,000-volume list binds 10,000 records of a few types.
 */
final class RecordTypes {
    private static final Map<Class<?>, RecordShape> SHAPES = new HashMap<>();
    private static final Map<Class<?>, Method> CREATORS = new HashMap<>();

    private RecordTypes() {
    }

    static boolean binds(Type type) {
        try {
            check(type, 0);
            return true;
        } catch (Unsupported e) {
            return false;
        }
    }

    private static void check(Type type, int depth) {
        if (depth > 16) {
            throw new Unsupported("nested too deeply: " + type);
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] args = p.getActualTypeArguments();
            if (raw == List.class) {
                check(args[0], depth + 1);
            } else if (raw == Map.class && args[0] == String.class) {
                check(args[1], depth + 1);
            } else {
                throw new Unsupported("type " + type);
            }
        } else if (type instanceof Class<?> c) {
            if (scalar(c)) {
                return;
            }
            if (c.isEnum()) {
                creator(c);
            } else if (c.isRecord()) {
                for (Type component : shape(c).types) {
                    check(component, depth + 1);
                }
            } else {
                throw new Unsupported("type " + c.getName());
            }
        } else {
            throw new Unsupported("type " + type);
        }
    }

    private static boolean scalar(Class<?> c) {
        return c == String.class || c == long.class || c == Long.class || c == int.class || c == Integer.class
                || c == double.class || c == Double.class || c == boolean.class || c == Boolean.class;
    }

    /** A record's canonical constructor, and each component's JSON name, generic type and position by name. */
    record RecordShape(Constructor<?> constructor, String[] names, Type[] types, Map<String, Integer> index) {
    }

    static RecordShape shape(Class<?> c) {
        synchronized (SHAPES) {
            RecordShape known = SHAPES.get(c);
            if (known != null) {
                return known;
            }
            RecordComponent[] components = c.getRecordComponents();
            String[] names = new String[components.length];
            Type[] types = new Type[components.length];
            Class<?>[] raw = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getGenericType();
                raw[i] = components[i].getType();
            }
            try {
                Constructor<?> constructor = c.getDeclaredConstructor(raw);
                constructor.setAccessible(true);
                // @JsonProperty cannot target a record component: javac puts it on the component's constructor
                // parameter, field and accessor, where Jackson finds it too
                java.lang.annotation.Annotation[][] parameters = constructor.getParameterAnnotations();
                for (int i = 0; i < components.length; i++) {
                    JsonProperty property = find(parameters[i]);
                    if (property == null) {
                        property = c.getDeclaredField(components[i].getName()).getAnnotation(JsonProperty.class);
                    }
                    if (property == null) {
                        property = components[i].getAccessor().getAnnotation(JsonProperty.class);
                    }
                    names[i] = property == null || property.value().isEmpty() ? components[i].getName() : property.value();
                }
                Map<String, Integer> index = new HashMap<>();
                for (int i = 0; i < names.length; i++) {
                    index.put(names[i], i);
                }
                RecordShape shape = new RecordShape(constructor, names, types, index);
                SHAPES.put(c, shape);
                return shape;
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new Unsupported(c.getName() + ": " + e);
            }
        }
    }

    private static JsonProperty find(java.lang.annotation.Annotation[] annotations) {
        for (java.lang.annotation.Annotation a : annotations) {
            if (a instanceof JsonProperty p) {
                return p;
            }
        }
        return null;
    }

    static Method creator(Class<?> enumType) {
        synchronized (CREATORS) {
            Method known = CREATORS.get(enumType);
            if (known != null) {
                return known;
            }
        }
        for (Method m : enumType.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 1 && m.getParameterTypes()[0] == String.class
                    && m.getReturnType() == enumType && m.isAnnotationPresent(JsonCreator.class)) {
                synchronized (CREATORS) {
                    CREATORS.put(enumType, m);
                }
                return m;
            }
        }
        throw new Unsupported(enumType.getName() + " has no @JsonCreator factory");
    }

    static Object create(Class<?> enumType, String text) {
        try {
            return creator(enumType).invoke(null, text);
        } catch (InvocationTargetException e) {
            throw new Unsupported(enumType.getSimpleName() + " refused '" + text + "': " + e.getCause());
        } catch (IllegalAccessException e) {
            throw new Unsupported(enumType.getName() + ": " + e);
        }
    }
}
