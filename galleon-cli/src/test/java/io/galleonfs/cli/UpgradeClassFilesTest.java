package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class UpgradeClassFilesTest {

    private static Path picocliJar() throws Exception {
        return Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static List<String> classNames(Path jar) throws IOException {
        List<String> names = new ArrayList<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            z.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class") && !n.contains("module-info"))
                    .forEach(n -> names.add(n));
        }
        return names;
    }

    @Test
    void picocliIsUpgradedToJava8sFormatAndEveryClassStillVerifiesAndInitialises(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("picocli.jar");
        Files.copy(picocliJar(), jar);
        List<String> before = classNames(jar);
        int upgraded = UpgradeClassFiles.upgrade(jar);
        assertTrue(upgraded > 100, "picocli is compiled for Java 5: its classes must be upgraded, got " + upgraded);

        List<String> after = classNames(jar);
        assertEquals(before, after, "same entries in the same order");
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (String name : after) {
                int major = ClassFile.of().parse(z.getInputStream(z.getEntry(name)).readAllBytes()).majorVersion();
                assertEquals(UpgradeClassFiles.TARGET, major, name);
            }
        }
        // Initialising a class links it, and linking verifies every method with the type-checking verifier, which
        // needs the frames this tool generated (a class-file version >= 51 has no fall-back to the old verifier).
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            for (String name : after) {
                Class<?> c = Class.forName(name.replace('/', '.').replaceFirst("\\.class$", ""), true, loader);
                assertEquals(loader, c.getClassLoader(), name + " must come from the upgraded jar");
            }
        }
        assertEquals(0, UpgradeClassFiles.upgrade(jar), "a second run has nothing left to do");
    }

    @Test
    void aJarOfModernClassesIsLeftUntouched(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("jackson.jar");
        Files.copy(Path.of(com.fasterxml.jackson.core.JsonFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI()), jar);
        long modified = Files.getLastModifiedTime(jar).toMillis();
        byte[] content = Files.readAllBytes(jar);
        assertEquals(0, UpgradeClassFiles.upgrade(jar));
        assertEquals(modified, Files.getLastModifiedTime(jar).toMillis());
        assertTrue(java.util.Arrays.equals(content, Files.readAllBytes(jar)));
    }
}
