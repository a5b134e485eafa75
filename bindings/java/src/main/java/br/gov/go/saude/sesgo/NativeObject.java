package br.gov.go.saude.sesgo;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * Base of every Java object that owns a native handle (a {@code long} pointing at an
 * Arc-backed Rust object). {@link #close()} releases it and is idempotent; a
 * {@link Cleaner} releases it if the object becomes unreachable without being closed
 * (a safety net, not a substitute for try-with-resources); {@link #withHandle} keeps the
 * wrapper reachable while a native call uses the handle
 * ({@link Reference#reachabilityFence}), so the cleaner cannot free it mid-call.
 *
 * <p>Subclasses: {@link Signer} and {@link TrustStore} (docs/adr/0023). They live in this
 * package (the constructor is package-private) and pass the native {@code *Destroy(long)}
 * method as the release action.
 *
 * <p>Contract for subclasses and users: {@code close()} must not race with calls still
 * using the object on other threads (the native side frees the handle immediately), as
 * with any {@link AutoCloseable} resource.
 */
public abstract class NativeObject implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The handle and its release action; must not reference the wrapper. */
    private static final class State implements Runnable {
        private final AtomicLong handle;
        private final LongConsumer release;

        State(long handle, LongConsumer release) {
            this.handle = new AtomicLong(handle);
            this.release = release;
        }

        @Override
        public void run() {
            long h = handle.getAndSet(0);
            if (h != 0) {
                release.accept(h);
            }
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;

    /**
     * Takes ownership of {@code handle}.
     *
     * @param handle a non-zero native handle
     * @param release frees the handle; called exactly once (by {@code close()} or the cleaner)
     */
    NativeObject(long handle, LongConsumer release) {
        if (handle == 0) {
            throw new IllegalArgumentException("native handle is 0");
        }
        this.state = new State(handle, release);
        this.cleanable = CLEANER.register(this, state);
    }

    /**
     * Runs {@code call} with the live handle, keeping this object reachable until it
     * returns.
     *
     * @throws IllegalStateException if the object was closed
     */
    protected final <R> R withHandle(LongFunction<R> call) {
        try {
            long h = state.handle.get();
            if (h == 0) {
                throw new IllegalStateException(getClass().getSimpleName() + " is closed");
            }
            return call.apply(h);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Whether {@link #close()} has run (or the cleaner has released the handle). */
    public final boolean isClosed() {
        return state.handle.get() == 0;
    }

    /** Releases the native handle; later calls do nothing. */
    @Override
    public final void close() {
        cleanable.clean();
    }
}
