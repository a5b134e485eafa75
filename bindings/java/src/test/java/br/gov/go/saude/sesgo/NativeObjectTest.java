package br.gov.go.saude.sesgo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The handle base class, with a fake release action (the native subclasses are tested in SignVerifyTest). */
class NativeObjectTest {
    static final class Fake extends NativeObject {
        Fake(long handle, List<Long> released) {
            super(handle, released::add);
        }

        long handle() {
            return withHandle(h -> h);
        }
    }

    @Test
    void closeReleasesOnceAndIsIdempotent() {
        List<Long> released = new CopyOnWriteArrayList<>();
        Fake f = new Fake(42, released);
        assertFalse(f.isClosed());
        assertEquals(42, f.handle());
        f.close();
        f.close();
        assertTrue(f.isClosed());
        assertEquals(List.of(42L), released);
        assertThrows(IllegalStateException.class, f::handle);
    }

    @Test
    void tryWithResources() {
        List<Long> released = new CopyOnWriteArrayList<>();
        try (Fake f = new Fake(7, released)) {
            assertEquals(7, f.handle());
        }
        assertEquals(List.of(7L), released);
    }

    @Test
    void zeroHandleIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Fake(0, new CopyOnWriteArrayList<>()));
    }

    @Test
    void cleanerReleasesUnreachableObjects() throws InterruptedException {
        List<Long> released = new CopyOnWriteArrayList<>();
        for (int i = 1; i <= 10; i++) {
            new Fake(i, released);
        }
        for (int i = 0; i < 100 && released.size() < 10; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(10, released.size(), "the Cleaner released every unreachable handle");
    }
}
