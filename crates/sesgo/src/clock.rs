//! The clock every temporal rule compares the reference timestamp with (criar 1.10),
//! injectable so tests and reproducible runs can pin it (DECISIONS D5).

use std::sync::Arc;

/// A source of "now", in Unix seconds (UTC).
pub trait Clock: Send + Sync {
    /// Current Unix time in seconds.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        sesgo_core::time::now_unix()
    }
}

/// A clock stopped at a given instant.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock as a shared handle.
pub fn system_clock() -> SharedClock {
    Arc::new(SystemClock)
}
