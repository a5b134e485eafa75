package br.gov.go.saude.sesgo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a child JVM: a library on {@code java.library.path} is preferred to the copy bundled
 * in the jar (the suite itself loads the bundled copy, since surefire sets no library path).
 */
class LibraryPathTest {
    /** Child JVM entry point: prints where the library came from and its version. */
    public static void main(String[] args) {
        System.out.println(Sesgo.version() + " " + NativeLibrary.source());
    }

    @Test
    void javaLibraryPathIsPreferred(@TempDir Path dir) throws Exception {
        String lib = System.mapLibraryName(NativeLibrary.NAME);
        try (InputStream in = NativeLibrary.class.getResourceAsStream(
                "/native/" + NativeLibrary.classifier() + "/" + lib)) {
            assertNotNull(in, "the bundled library is on the test classpath");
            Files.copy(in, dir.resolve(lib));
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(
                        java,
                        "-Djava.library.path=" + dir,
                        "-cp",
                        System.getProperty("java.class.path"),
                        LibraryPathTest.class.getName()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), out);
        assertEquals(Sesgo.version() + " java.library.path", out);
    }
}
