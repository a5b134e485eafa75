package br.gov.go.saude.sesgo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
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

        <R> R call(LongFunction<R> f) {
            return withHandle(f);
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

    @Test
    void closeDuringACallDefersTheReleaseToTheCallsEnd() throws Exception {
        List<Long> released = new CopyOnWriteArrayList<>();
        Fake f = new Fake(5, released);
        CountDownLatch inCall = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Long> call = pool.submit(() -> f.call(h -> {
                inCall.countDown();
                try {
                    assertTrue(finish.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return h;
            }));
            assertTrue(inCall.await(30, TimeUnit.SECONDS));
            f.close(); // returns at once, the call still holds the handle
            assertTrue(f.isClosed());
            assertEquals(List.of(), released, "released while a call was using the handle");
            assertThrows(IllegalStateException.class, f::handle, "a call after close() fails");
            finish.countDown();
            assertEquals(5L, call.get(30, TimeUnit.SECONDS));
            assertEquals(List.of(5L), released, "the last call released it, once");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Eight threads call while a ninth closes, over many objects: the release must never
     * run while a call is inside {@code withHandle}, must run exactly once, and every call
     * either completes with the live handle or is refused with IllegalStateException.
     */
    @Test
    void eightThreadsCallingWhileAnotherCloses() throws Exception {
        int rounds = 300;
        int callers = 8;
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(callers + 1);
        try {
            for (int round = 0; round < rounds; round++) {
                long handle = round + 1;
                AtomicInteger inFlight = new AtomicInteger();
                AtomicInteger releases = new AtomicInteger();
                // The release action checks that nobody is inside a call.
                NativeObject target = new NativeObject(handle, h -> {
                    if (inFlight.get() != 0) {
                        violations.incrementAndGet();
                    }
                    releases.incrementAndGet();
                }) {
                };
                CyclicBarrier start = new CyclicBarrier(callers + 1);
                List<Future<?>> tasks = new ArrayList<>();
                for (int t = 0; t < callers; t++) {
                    tasks.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 200; i++) {
                            try {
                                long h = withHandleOf(target, x -> {
                                    inFlight.incrementAndGet();
                                    try {
                                        if (releases.get() != 0) {
                                            violations.incrementAndGet(); // used after release
                                        }
                                        Thread.onSpinWait();
                                        return x;
                                    } finally {
                                        inFlight.decrementAndGet();
                                    }
                                });
                                if (h != handle) {
                                    violations.incrementAndGet();
                                }
                                completed.incrementAndGet();
                            } catch (IllegalStateException closed) {
                                refused.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                int spins = round % 50;
                tasks.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < spins; i++) {
                        Thread.onSpinWait();
                    }
                    target.close();
                    return null;
                }));
                for (Future<?> task : tasks) {
                    task.get(60, TimeUnit.SECONDS);
                }
                assertTrue(target.isClosed());
                assertEquals(1, releases.get(), "round " + round + ": released exactly once");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, violations.get(), "a handle was released while in use (or used after release)");
        assertTrue(completed.get() > 0 && refused.get() > 0,
                "both outcomes happened: " + completed.get() + " completed, " + refused.get() + " refused");
    }

    /** {@code withHandle} of any NativeObject, from the same package. */
    static <R> R withHandleOf(NativeObject o, LongFunction<R> f) {
        return o.withHandle(f);
    }
}
