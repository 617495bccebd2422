package io.galleonfs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites every class file older than Java 6 (major version below 50) in the given jars (a directory: every jar in it),
 * in place, to Java 8's format (52) with the StackMapTable frames that format needs, computed by the JDK's class-file
 * API. Nothing else changes: same bytecode, constant pool entries and attributes. A jar without such classes is left
 * untouched, so running it again is a no-op.
 *
 * <p>Why: picocli is compiled for Java 5, and the JDK's AOT cache (JEP 483) does not store classes that need the old
 * verifier, so every CLI call loaded, verified and linked ~170 picocli classes from the jar (ARCHITECTURE, "CLI
 * start-up"). bin/galleonfs runs it ({@code java -cp galleonfs-cli.jar io.galleonfs.cli.UpgradeClassFiles lib}) right
 * before it trains the AOT cache; it is not a Maven step because the offline repository here has no plugin that runs a
 * program at package time.
 */
public final class UpgradeClassFiles {
    private UpgradeClassFiles() {
    }

    static final int TARGET = ClassFile.JAVA_8_VERSION;

    public static void main(String[] args) throws IOException {
        for (String a : args) {
            Path p = Path.of(a);
            if (Files.isDirectory(p)) {
                try (var jars = Files.newDirectoryStream(p, "*.jar")) {
                    for (Path jar : jars) {
                        upgrade(jar);
                    }
                }
            } else {
                upgrade(p);
            }
        }
    }

    /** Upgrades one jar in place (written to a temporary file, then moved over it); returns how many classes changed. */
    static int upgrade(Path jar) throws IOException {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        Map<String, ZipEntry> meta = new HashMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                try (InputStream in = zip.getInputStream(e)) {
                    entries.put(e.getName(), in.readAllBytes());
                    meta.put(e.getName(), e);
                }
            }
        }
        // the jar's own classes resolve each other's hierarchy (frames merge types); the JDK's come from the runtime
        ClassHierarchyResolver own = ClassHierarchyResolver.ofResourceParsing(desc -> {
            String d = desc.descriptorString(); // Lpicocli/CommandLine$Help;
            byte[] b = entries.get(d.substring(1, d.length() - 1) + ".class");
            return b == null ? null : new java.io.ByteArrayInputStream(b);
        });
        ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS, ClassFile.ClassHierarchyResolverOption.of(
                own.orElse(ClassHierarchyResolver.defaultResolver())));
        ClassTransform toTarget = (builder, element) -> {
            if (element instanceof ClassFileVersion) {
                builder.withVersion(TARGET, 0);
            } else {
                builder.with(element);
            }
        };
        // Rebuilding every method body makes the class-file API emit the frames the new version requires; it copies a body
        // given the ACCEPT_ALL constant as it was (without frames), so the transform is a lambda that passes each element on.
        CodeTransform rebuild = (code, element) -> code.with(element);
        ClassTransform transform = toTarget.andThen(ClassTransform.transformingMethodBodies(rebuild));
        int upgraded = 0;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(".class") || name.startsWith("META-INF/") || name.endsWith("module-info.class")) {
                continue;
            }
            ClassModel model = cf.parse(e.getValue());
            if (model.majorVersion() >= 50) {
                continue;
            }
            e.setValue(cf.transformClass(model, transform));
            upgraded++;
        }
        if (upgraded == 0) {
            return 0;
        }
        Path tmp = Files.createTempFile(jar.toAbsolutePath().getParent(), jar.getFileName().toString(), ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream out = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry z = new ZipEntry(e.getKey());
                z.setTime(meta.get(e.getKey()).getTime());
                out.putNextEntry(z);
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("UpgradeClassFiles: " + jar.getFileName() + ": " + upgraded + " classes to class-file version " + TARGET);
        return upgraded;
    }
}
