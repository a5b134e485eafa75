//! Bounded work for every input (issue 25; docs/adr/0058, DECISIONS D40–D42).
//!
//! * **Work units.** Every loop over input (entries, targets, references, certificates,
//!   findings) charges units with [`charge`]. The count of the current call — or of the
//!   last one on this thread — is [`units`]; the hostile-input tests assert that it grows
//!   linearly with the input, which no wall-clock assertion on a loaded machine can do.
//! * **A deadline.** A call started with [`begin`] gets the allowance of the guide's
//!   `bundleTimeoutSecs`. Only time inside [`phase`] counts against it: the phases are the
//!   loops over input, never a network wait (an OCSP responder taking 20 s is the
//!   responder's timeout, not the Bundle's). When the allowance is spent, the next
//!   [`charge`] fails with `SECURITY.BUNDLE-TIMEOUT-EXCEEDED`, located where it stopped,
//!   and every later charge of the call fails too.
//! * **Findings capped per code** ([`FindingCap`]): the first
//!   [`FINDINGS_PER_CODE`] findings of each code are kept, the rest counted in one
//!   summary finding of the same code and severity. A Bundle with 200 000 bad references
//!   yields 100 findings and "mais 199 900", not 250 MB of OperationOutcome.
//!
//! The state is per thread: a facade call runs on the caller's thread, and a call nested
//! in another (the facade calling itself) shares the outer call's budget.
//!
//! ```
//! use sesgo_core::budget::{self, Budget};
//! use std::time::Duration;
//!
//! let call = budget::begin(Budget { time: Duration::from_secs(10), max_units: Some(1000) });
//! let r = budget::phase(|| {
//!     for i in 0..10_000 {
//!         budget::charge(1, &format!("Bundle.entry[{i}]"))?;
//!     }
//!     Ok::<(), sesgo_core::Error>(())
//! });
//! let e = r.unwrap_err();
//! assert_eq!(e.code(), sesgo_core::Code::SecurityBundleTimeoutExceeded);
//! assert_eq!(e.primary().locations(), ["Bundle.entry[1000]"]);
//! drop(call);
//! assert_eq!(budget::units(), 1001);
//! ```

use crate::{Code, Error, Finding, Result, Severity};
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Findings kept per code in one result; the rest are summarized (D41).
pub const FINDINGS_PER_CODE: usize = 100;

/// [`FindingCap::push`] compacts after this many times `per_code` new findings.
const COMPACT_GROWTH: usize = 4;

/// How often (in units) [`charge`] reads the clock.
const CLOCK_EVERY: u64 = 1024;

/// The limits of one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Time allowed inside [`phase`]s (`bundleTimeoutSecs`).
    pub time: Duration,
    /// Work units allowed; `None` = bounded by time only.
    pub max_units: Option<u64>,
}

impl Budget {
    /// The guide's default `bundleTimeoutSecs` (10 s), no unit limit.
    pub const DEFAULT: Budget = Budget {
        time: Duration::from_secs(10),
        max_units: None,
    };

    /// `secs` seconds, no unit limit.
    pub fn secs(secs: u64) -> Budget {
        Budget {
            time: Duration::from_secs(secs),
            max_units: None,
        }
    }
}

#[derive(Default)]
struct State {
    /// A call is running (between [`begin`] and the drop of its guard).
    active: bool,
    units: u64,
    max_units: Option<u64>,
    time_left: Duration,
    /// Start of the outermost running phase.
    phase_start: Option<Instant>,
    next_clock: u64,
    /// The allowance was spent: every later charge of the call fails.
    exceeded: bool,
    allowance: Duration,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// The guard of a call started with [`begin`]; the call ends when it is dropped.
#[must_use = "the call's budget ends when the guard is dropped"]
pub struct Call {
    owner: bool,
}

impl Drop for Call {
    fn drop(&mut self) {
        if self.owner {
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                s.active = false;
                s.phase_start = None;
            });
        }
    }
}

/// Starts a call with `budget` on this thread: the unit count restarts at 0. Inside a
/// running call, the outer budget stays in force and the guard is inert.
pub fn begin(budget: Budget) -> Call {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if s.active {
            return Call { owner: false };
        }
        *s = State {
            active: true,
            units: 0,
            max_units: budget.max_units,
            time_left: budget.time,
            phase_start: None,
            next_clock: CLOCK_EVERY,
            exceeded: false,
            allowance: budget.time,
        };
        Call { owner: true }
    })
}

/// Runs `f` as a phase of the current call: its time counts against the allowance.
/// Phases nest (only the outermost is timed); outside a call, `f` just runs.
pub fn phase<T>(f: impl FnOnce() -> T) -> T {
    let started = STATE.with(|s| {
        let mut s = s.borrow_mut();
        if s.active && s.phase_start.is_none() {
            let now = Instant::now();
            s.phase_start = Some(now);
            Some(now)
        } else {
            None
        }
    });
    let out = f();
    if let Some(t0) = started {
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.time_left = s.time_left.saturating_sub(t0.elapsed());
            s.phase_start = None;
        });
    }
    out
}

/// Charges `units` of work done at `location`. Fails with
/// `SECURITY.BUNDLE-TIMEOUT-EXCEEDED` once the call's unit limit or time allowance is
/// spent. Outside a call, units are counted and nothing fails.
pub fn charge(units: u64, location: &str) -> Result<()> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.units = s.units.saturating_add(units);
        if !s.active {
            return Ok(());
        }
        if !s.exceeded {
            if s.max_units.is_some_and(|max| s.units > max) {
                s.exceeded = true;
            } else if s.units >= s.next_clock {
                s.next_clock = s.units.saturating_add(CLOCK_EVERY);
                if let Some(t0) = s.phase_start {
                    if t0.elapsed() > s.time_left {
                        s.exceeded = true;
                    }
                }
            }
        }
        if s.exceeded {
            let secs = s.allowance.as_secs();
            let units = s.units;
            return Err(Error::new(
                Code::SecurityBundleTimeoutExceeded,
                format!(
                    "processamento interrompido em {location}: o limite de trabalho da chamada (bundleTimeoutSecs = {secs} s) foi atingido após {units} unidades de trabalho"
                ),
            )
            .at(location));
        }
        Ok(())
    })
}

/// Work units of the running call on this thread, or of the last one that ended.
pub fn units() -> u64 {
    STATE.with(|s| s.borrow().units)
}

/// Caps findings per code (D41): of each code, the first `per_code` are kept, and the
/// rest are counted into one summary finding of that code (the most severe severity of
/// those left out, the location of the first left out) appended by [`FindingCap::finish`].
/// [`compact`](FindingCap::compact) may be called as often as a list grows; it is
/// idempotent and linear in the list.
#[derive(Debug)]
pub struct FindingCap {
    per_code: usize,
    omitted: Vec<Omitted>,
    /// Length of the list at which [`FindingCap::push`] compacts it next.
    next_compact: usize,
}

#[derive(Debug)]
struct Omitted {
    code: Code,
    count: u64,
    severity: Severity,
    first_location: Option<String>,
}

impl Default for FindingCap {
    fn default() -> Self {
        FindingCap::new(FINDINGS_PER_CODE)
    }
}

impl FindingCap {
    /// A cap of `per_code` findings per code (at least 1).
    pub fn new(per_code: usize) -> Self {
        let per_code = per_code.max(1);
        FindingCap {
            per_code,
            omitted: Vec::new(),
            next_compact: per_code.saturating_mul(COMPACT_GROWTH),
        }
    }

    /// Appends `f` to `list`, compacting the list each time it has grown by
    /// `4 × per_code` findings since the last compaction: a loop that may report once per
    /// input item (targets, entries, references) holds O(codes × per_code) findings,
    /// never one per item, and the work stays linear. [`finish`](FindingCap::finish)
    /// appends the summaries.
    ///
    /// ```
    /// use sesgo_core::budget::FindingCap;
    /// use sesgo_core::{Code, Finding};
    ///
    /// let mut cap = FindingCap::new(2);
    /// let mut list = Vec::new();
    /// for i in 0..100_000 {
    ///     cap.push(&mut list, Finding::new(Code::FormatReferenceInvalid, format!("ref {i}")));
    ///     assert!(list.len() <= 2 + 4 * 2);
    /// }
    /// cap.finish(&mut list);
    /// assert_eq!(list.len(), 3);
    /// assert_eq!(list[2].omitted(), 99_998);
    /// ```
    pub fn push(&mut self, list: &mut Vec<Finding>, f: Finding) {
        list.push(f);
        if list.len() >= self.next_compact {
            self.compact(list);
            self.next_compact = list
                .len()
                .saturating_add(self.per_code.saturating_mul(COMPACT_GROWTH));
        }
    }

    fn omit(&mut self, f: Finding) {
        let count = f.omitted.max(1);
        let first = f.location.first().cloned();
        match self.omitted.iter_mut().find(|o| o.code == f.code) {
            Some(o) => {
                o.count = o.count.saturating_add(count);
                o.severity = o.severity.max(f.severity);
                if o.first_location.is_none() {
                    o.first_location = first;
                }
            }
            None => self.omitted.push(Omitted {
                code: f.code,
                count,
                severity: f.severity,
                first_location: first,
            }),
        }
    }

    /// Keeps at most `per_code` findings of each code in `list` (in order), counting the
    /// others. Summary findings from an earlier cap are merged, not counted as one.
    pub fn compact(&mut self, list: &mut Vec<Finding>) {
        let mut kept: HashMap<Code, usize> = HashMap::new();
        let over = list.iter().any(|f| {
            f.omitted > 0 || {
                let n = kept.entry(f.code).or_insert(0);
                *n += 1;
                *n > self.per_code
            }
        });
        if !over {
            return;
        }
        kept.clear();
        let old = std::mem::take(list);
        for f in old {
            if f.omitted > 0 {
                self.omit(f);
                continue;
            }
            let n = kept.entry(f.code).or_insert(0);
            if *n < self.per_code {
                *n += 1;
                list.push(f);
            } else {
                self.omit(f);
            }
        }
    }

    /// Compacts `list` and appends one summary finding per code that lost findings.
    pub fn finish(mut self, list: &mut Vec<Finding>) {
        self.compact(list);
        for o in self.omitted {
            let mut f = Finding::new(
                o.code,
                format!(
                    "mais {} ocorrência(s) de {} omitida(s): são relatadas as primeiras {} de cada código",
                    o.count,
                    o.code.as_str(),
                    self.per_code
                ),
            )
            .with_severity(o.severity);
            if let Some(l) = o.first_location {
                f = f.at(l);
            }
            f.omitted = o.count;
            list.push(f);
        }
    }
}

/// Caps `list` at [`FINDINGS_PER_CODE`] per code (see [`FindingCap`]).
pub fn cap_findings(list: &mut Vec<Finding>) {
    FindingCap::default().finish(list);
}
