package br.gov.go.saude.sesgo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads {@code libsesgo_jni} once per class loader: first {@code System.loadLibrary}
 * (so a library on {@code java.library.path} wins), else the copy bundled in the jar at
 * {@code /native/<os>-<arch>/} (e.g. {@code /native/linux-x86_64/libsesgo_jni.so}),
 * extracted to a temporary file. A library whose ABI version differs from
 * {@link #ABI_VERSION} is refused with {@code SYSTEM.INCOMPATIBLE-LIBRARY-VERSION}.
 *
 * <p>A failure is remembered: every later call throws the same exception.
 */
final class NativeLibrary {
    /**
     * The binding ABI version this jar was built for; equal to {@code sesgo::ABI_VERSION}
     * (checked by a Rust unit test of the {@code sesgo-jni} crate).
     */
    static final int ABI_VERSION = 2;

    static final String NAME = "sesgo_jni";

    private static final Object LOCK = new Object();
    private static volatile boolean loaded;
    private static SesgoException failure;
    private static String source;

    private NativeLibrary() {}

    /** Loads and checks the native library (idempotent, thread-safe). */
    static void load() {
        if (loaded) {
            return;
        }
        synchronized (LOCK) {
            if (loaded) {
                return;
            }
            if (failure != null) {
                throw failure;
            }
            try {
                source = loadLibrary();
                checkAbi(Native.abiVersion());
                loaded = true;
            } catch (SesgoException e) {
                failure = e;
                throw e;
            }
        }
    }

    /** Where the library was loaded from: {@code java.library.path} or the extracted file. */
    static String source() {
        synchronized (LOCK) {
            return source;
        }
    }

    /**
     * Refuses a native library built for another ABI version.
     *
     * @throws SesgoException with code {@code SYSTEM.INCOMPATIBLE-LIBRARY-VERSION}
     */
    static void checkAbi(int found) {
        if (found != ABI_VERSION) {
            throw system(
                    "SYSTEM.INCOMPATIBLE-LIBRARY-VERSION",
                    "biblioteca nativa " + NAME + " com ABI " + found
                            + "; este jar exige ABI " + ABI_VERSION);
        }
    }

    /** {@code <os>-<arch>} of the running JVM, as the jar's {@code /native/} folders are named. */
    static String classifier() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            os = "linux";
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            os = "macos";
        } else if (os.startsWith("windows")) {
            os = "windows";
        }
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            arch = "x86_64";
        } else if (arch.equals("arm64") || arch.equals("aarch64")) {
            arch = "aarch64";
        }
        return os + "-" + arch;
    }

    private static String loadLibrary() {
        UnsatisfiedLinkError fromPath;
        try {
            System.loadLibrary(NAME);
            return "java.library.path";
        } catch (UnsatisfiedLinkError e) {
            fromPath = e;
        }
        String resource = "/native/" + classifier() + "/" + System.mapLibraryName(NAME);
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw system(
                        "SYSTEM",
                        "biblioteca nativa " + NAME + " não encontrada: nem em java.library.path ("
                                + fromPath.getMessage() + ") nem no jar (" + resource + ")");
            }
            Path tmp = Files.createTempFile(NAME + "-", "-" + System.mapLibraryName(NAME));
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            System.load(tmp.toAbsolutePath().toString());
            return tmp.toAbsolutePath().toString();
        } catch (IOException | UnsatisfiedLinkError e) {
            throw system(
                    "SYSTEM",
                    "falha ao carregar a biblioteca nativa " + NAME + " do jar (" + resource + "): " + e);
        }
    }

    /**
     * A failure detected on the Java side (the native library is missing or unusable, so
     * it cannot render the OperationOutcome): a minimal OperationOutcome of the guide's
     * profile with one fatal issue.
     */
    static SesgoException system(String code, String diagnostics) {
        String outcome = "{\"resourceType\":\"OperationOutcome\",\"meta\":{\"profile\":[\"https://"
                + "fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/operation-outcome-assinatura\"]},"
                + "\"issue\":[{\"severity\":\"fatal\","
                + "\"code\":\"exception\",\"details\":{\"coding\":[{\"system\":"
                + "\"https://fhir.saude.go.gov.br/r4/seguranca/CodeSystem/situacao-excepcional-assinatura\","
                + "\"code\":" + Json.string(code) + "}]},\"diagnostics\":" + Json.string(diagnostics) + "}]}";
        return new SesgoException(code, "fatal", null, diagnostics, outcome);
    }
}
