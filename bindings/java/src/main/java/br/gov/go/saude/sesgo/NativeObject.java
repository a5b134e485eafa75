package br.gov.go.saude.sesgo;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * Base of every Java object that owns a native handle (a {@code long} pointing at an
 * Arc-backed Rust object). {@link #close()} releases it and is idempotent; a
 * {@link Cleaner} releases it if the object becomes unreachable without being closed
 * (a safety net, not a substitute for try-with-resources).
 *
 * <p>The handle is reference-counted: the object holds one reference until it is
 * closed, and every call in flight ({@link #withHandle}) holds one more for its
 * duration. The native release runs exactly once, when the count reaches zero - so
 * {@code close()} racing calls on other threads never frees memory a call is using: a
 * call that started before {@code close()} completes normally and the last one to
 * return releases the handle; a call that starts after it throws
 * {@link IllegalStateException} without reaching the native side. {@code close()}
 * itself never blocks (closing from inside a call, e.g. from an external signer's
 * function, cannot deadlock). {@link #withHandle} also keeps the wrapper reachable
 * while a native call uses the handle ({@link Reference#reachabilityFence}), so the
 * cleaner cannot run mid-call.
 *
 * <p>Subclasses: {@link Signer}, {@link TrustStore} and {@link Network}
 * (docs/adr/0023). They live in this package (the constructor is package-private) and
 * pass the native {@code *Destroy(long)} method as the release action.
 */
public abstract class NativeObject implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /**
     * The handle, its reference count and its release action; must not reference the
     * wrapper. As the cleaner's action it is the owner's {@code close()}.
     */
    private static final class State implements Runnable {
        private final long handle;
        private final LongConsumer release;
        /** 1 for the owner until closed, plus 1 per call in flight; 0 once released. */
        private final AtomicInteger refs = new AtomicInteger(1);
        private final AtomicBoolean closed = new AtomicBoolean();

        State(long handle, LongConsumer release) {
            this.handle = handle;
            this.release = release;
        }

        /** One more reference for a call, unless the owner is closed or released. */
        boolean acquire() {
            while (true) {
                int r = refs.get();
                // Once released (0) the count never rises again; once closed no new
                // call starts, even while earlier calls still hold references.
                if (r == 0 || closed.get()) {
                    return false;
                }
                if (refs.compareAndSet(r, r + 1)) {
                    return true;
                }
            }
        }

        /** Drops one reference; the last one releases the native handle. */
        void releaseOne() {
            if (refs.decrementAndGet() == 0) {
                release.accept(handle);
            }
        }

        /** The owner's close (or the cleaner's): drops the owner's reference once. */
        @Override
        public void run() {
            if (closed.compareAndSet(false, true)) {
                releaseOne();
            }
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;

    /**
     * Takes ownership of {@code handle}.
     *
     * @param handle a non-zero native handle
     * @param release frees the handle; called exactly once, when the object is closed (or
     *     unreachable) and no call uses the handle any more
     */
    NativeObject(long handle, LongConsumer release) {
        if (handle == 0) {
            throw new IllegalArgumentException("native handle is 0");
        }
        this.state = new State(handle, release);
        this.cleanable = CLEANER.register(this, state);
    }

    /**
     * Runs {@code call} with the live handle, holding a reference to it (and keeping this
     * object reachable) until it returns: a concurrent {@link #close()} cannot free it
     * meanwhile.
     *
     * @throws IllegalStateException if the object was closed before the call started
     */
    protected final <R> R withHandle(LongFunction<R> call) {
        if (!state.acquire()) {
            throw new IllegalStateException(getClass().getSimpleName() + " foi fechado (close())");
        }
        try {
            return call.apply(state.handle);
        } finally {
            state.releaseOne();
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Whether {@link #close()} has run (or the cleaner has): no new call can use the
     * object. The native handle itself is released once the calls in flight return.
     */
    public final boolean isClosed() {
        return state.closed.get();
    }

    /**
     * Closes the object: later calls throw {@link IllegalStateException}; the native
     * handle is released now, or - when calls on other threads are still using it - as
     * soon as the last of them returns. Idempotent; never blocks.
     */
    @Override
    public final void close() {
        cleanable.clean();
    }
}
