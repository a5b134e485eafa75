//! Many verifications across cores with one shared [`TrustStore`] (its chain, AIA and
//! revocation caches are shared too): what a receiver re-verifying an archive, a feed or
//! a Spark partition needs. Each item gets its own result; an item whose input is
//! unusable gets an invalid result carrying its error, never a failed batch.

use super::{verify_prepared, Indication, Verification, VerifyInput, VerifyOptions};
use crate::clock::{Clock, SystemClock};
use crate::signer::TrustStore;
use sesgo_core::{Error, OperationOutcome, Result};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Verifies every input with the system clock on up to `threads` threads (0 = one per
/// available core), in input order. See [`verify_batch_with_clock`].
///
/// ```
/// use sesgo::{TrustStore, VerifyInput, VerifyOptions};
///
/// let trust = TrustStore::icp_brasil_default();
/// let unsigned = br#"{"resourceType":"Bundle","type":"collection","entry":[]}"#;
/// let inputs = [
///     VerifyInput { bundle: Some(unsigned), ..Default::default() },
///     VerifyInput { bundle: Some(b"{"), ..Default::default() },
/// ];
/// let results = sesgo::verify_batch(&inputs, &trust, &VerifyOptions::default(), 2)?;
/// assert_eq!(results.len(), 2);
/// assert!(results.iter().all(|r| !r.valid));
/// // The unusable item carries its error as its outcome.
/// assert_eq!(results[1].codes(), [sesgo::Code::FormatJsonMalformed]);
/// # Ok::<(), sesgo::Error>(())
/// ```
pub fn verify_batch(
    inputs: &[VerifyInput<'_>],
    trust: &TrustStore,
    options: &VerifyOptions,
    threads: usize,
) -> Result<Vec<Verification>> {
    verify_batch_with_clock(inputs, trust, options, threads, &SystemClock)
}

/// Verifies every input as [`verify_with_clock`](crate::verify_with_clock) would, on up to `threads` worker threads
/// (0 = [`std::thread::available_parallelism`]; never more threads than inputs), sharing
/// `trust` and its caches. Results come back in input order, one per input.
///
/// `Err` only when the options themselves are unusable (settings out of range, an empty
/// `acceptedPolicies`, a reference time out of range or skewed, revocation evidence that
/// cannot be read, loaded once for the batch), which would refuse
/// every item alike. An item whose own input is unusable (JSON that does not parse, a
/// limit exceeded, a panic caught at the item) gets [`Verification::from_error`]: invalid,
/// its outcome the error's.
pub fn verify_batch_with_clock(
    inputs: &[VerifyInput<'_>],
    trust: &TrustStore,
    options: &VerifyOptions,
    threads: usize,
    clock: &(dyn Clock + Sync),
) -> Result<Vec<Verification>> {
    run(inputs, trust, options, threads, clock, &|v| v)
}

/// [`verify_batch`] with each result written as JSON ([`Verification::to_json`]) on the
/// worker thread that verified it: what a binding hands back as text (Python, C) without
/// serializing every result on one thread after the batch.
///
/// ```
/// use sesgo::{TrustStore, VerifyInput, VerifyOptions};
///
/// let trust = TrustStore::icp_brasil_default();
/// let inputs = [VerifyInput { bundle: Some(b"{"), ..Default::default() }];
/// let json = sesgo::verify_batch_json(&inputs, &trust, &VerifyOptions::default(), 2)?;
/// assert_eq!(json.len(), 1);
/// assert!(json[0].contains("FORMAT.JSON-MALFORMED"));
/// # Ok::<(), sesgo::Error>(())
/// ```
pub fn verify_batch_json(
    inputs: &[VerifyInput<'_>],
    trust: &TrustStore,
    options: &VerifyOptions,
    threads: usize,
) -> Result<Vec<String>> {
    run(inputs, trust, options, threads, &SystemClock, &|v| {
        v.to_json()
    })
}

/// The batch: every input verified on up to `threads` workers, each result passed
/// through `finish` on the worker that produced it.
fn run<T: Send>(
    inputs: &[VerifyInput<'_>],
    trust: &TrustStore,
    options: &VerifyOptions,
    threads: usize,
    clock: &(dyn Clock + Sync),
    finish: &(dyn Fn(Verification) -> T + Sync),
) -> Result<Vec<T>> {
    // What would fail every item fails the batch, once, before any work.
    options.settings.validate()?;
    if options
        .accepted_policies
        .as_ref()
        .is_some_and(Vec::is_empty)
    {
        return Err(Error::new(
            sesgo_core::Code::ConfigInvalidParameter,
            "acceptedPolicies vazio: nenhuma política aceita",
        ));
    }
    if let Some(t) = options.reference_time {
        crate::settings::check_reference_time(t, clock.now())?;
    }
    // Read once for the whole batch (and refused once when unreadable).
    let evidence = crate::revocation::load_evidence(&options.revocation_evidence)?;
    let evidence = &evidence;
    let one = |input: &VerifyInput<'_>| -> T {
        finish(
            match crate::guard(|| verify_prepared(input, trust, options, clock, evidence)) {
                Ok(v) => v,
                Err(e) => Verification::from_error(&e),
            },
        )
    };
    let workers = match threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .min(inputs.len());
    if workers <= 1 {
        return Ok(inputs.iter().map(one).collect());
    }
    // Work stealing by index: a slow item (a large Bundle, a network fetch) does not hold
    // up the items behind it.
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { break };
                        mine.push((i, one(input)));
                    }
                    mine
                })
            })
            .collect();
        // A worker cannot panic (each item runs inside `guard`); if one did, its items
        // are filled in below as errors rather than lost.
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    let mut out = Vec::with_capacity(inputs.len());
    let mut it = done.into_iter().peekable();
    for i in 0..inputs.len() {
        match it.next_if(|(j, _)| *j == i) {
            Some((_, v)) => out.push(v),
            None => out.push(finish(Verification::from_error(&Error::new(
                sesgo_core::Code::System,
                format!("erro interno: item {i} do lote sem resultado"),
            )))),
        }
    }
    Ok(out)
}

/// [`verify_batch`] over items a caller has already read, some of which it found
/// unusable on its own (a NULL pointer with a length, text that is not Unicode, a file
/// that cannot be read): each `Err` item gets [`Verification::from_error`] in its place,
/// the `Ok` items are verified as one batch. One result per item, in order; `Err` only as
/// [`verify_batch`] refuses the whole batch. What the C, Java and CLI batches share.
///
/// ```
/// use sesgo::{Code, Error, TrustStore, VerifyInput, VerifyOptions};
///
/// let trust = TrustStore::icp_brasil_default();
/// let unsigned = br#"{"resourceType":"Bundle","type":"collection","entry":[]}"#;
/// let items = [
///     Ok(VerifyInput { bundle: Some(unsigned), ..Default::default() }),
///     Err(Error::new(Code::ConfigInvalidParameter, "arquivo ilegível").at("FILES[1]")),
/// ];
/// let results = sesgo::verify_batch_items(&items, &trust, &VerifyOptions::default(), 0)?;
/// assert_eq!(results.len(), 2);
/// assert_eq!(results[1].codes(), [Code::ConfigInvalidParameter]);
/// # Ok::<(), sesgo::Error>(())
/// ```
pub fn verify_batch_items(
    items: &[std::result::Result<VerifyInput<'_>, Error>],
    trust: &TrustStore,
    options: &VerifyOptions,
    threads: usize,
) -> Result<Vec<Verification>> {
    run_items(items, trust, options, threads, &|v| v)
}

/// [`verify_batch_items`] with each result written as JSON on the worker that verified it
/// (as [`verify_batch_json`]).
///
/// ```
/// use sesgo::{Code, Error, TrustStore, VerifyOptions};
///
/// let trust = TrustStore::icp_brasil_default();
/// let items = [Err(Error::new(Code::ConfigInvalidParameter, "arquivo ilegível"))];
/// let json = sesgo::verify_batch_items_json(&items, &trust, &VerifyOptions::default(), 0)?;
/// assert!(json[0].contains("CONFIG.INVALID-PARAMETER"));
/// # Ok::<(), sesgo::Error>(())
/// ```
pub fn verify_batch_items_json(
    items: &[std::result::Result<VerifyInput<'_>, Error>],
    trust: &TrustStore,
    options: &VerifyOptions,
    threads: usize,
) -> Result<Vec<String>> {
    run_items(items, trust, options, threads, &|v| v.to_json())
}

fn run_items<T: Send>(
    items: &[std::result::Result<VerifyInput<'_>, Error>],
    trust: &TrustStore,
    options: &VerifyOptions,
    threads: usize,
    finish: &(dyn Fn(Verification) -> T + Sync),
) -> Result<Vec<T>> {
    let usable: Vec<VerifyInput<'_>> = items
        .iter()
        .filter_map(|item| item.as_ref().ok().copied())
        .collect();
    let mut verified = run(&usable, trust, options, threads, &SystemClock, finish)?.into_iter();
    items
        .iter()
        .map(|item| match item {
            Ok(_) => verified.next().ok_or_else(|| {
                Error::new(
                    sesgo_core::Code::System,
                    "erro interno: item do lote sem resultado",
                )
            }),
            Err(e) => Ok(finish(Verification::from_error(e))),
        })
        .collect()
}

impl Verification {
    /// The result of an item whose input could not be verified at all: invalid,
    /// `TOTAL-FAILED`/`FORMAT_FAILURE` for unusable content (`FORMAT.*`, `SECURITY.*`),
    /// else `INDETERMINATE`/`GENERIC`; no signature, content not checked; the outcome is
    /// the error's, with its code and location.
    pub fn from_error(e: &Error) -> Verification {
        let (indication, sub) = match e.code().category() {
            "FORMAT" | "SECURITY" => (Indication::TotalFailed, "FORMAT_FAILURE"),
            _ => (Indication::Indeterminate, "GENERIC"),
        };
        Verification {
            outcome: OperationOutcome::from(e),
            valid: false,
            indication,
            sub_indication: Some(sub),
            content_checked: false,
            signatures: Vec::new(),
            unsigned_content: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]
    use super::*;
    use sesgo_core::Code;

    #[test]
    fn results_in_input_order_with_each_items_own_error() {
        let trust = TrustStore::icp_brasil_default();
        let unsigned: &[u8] = br#"{"resourceType":"Bundle","type":"collection","entry":[]}"#;
        let bad: &[u8] = b"{";
        let dup: &[u8] = br#"{"resourceType":"Bundle","resourceType":"Bundle"}"#;
        let mut inputs = Vec::new();
        for i in 0..50 {
            let b = [unsigned, bad, dup][i % 3];
            inputs.push(VerifyInput {
                bundle: Some(b),
                ..Default::default()
            });
        }
        let opts = VerifyOptions::default();
        for threads in [0, 1, 2, 7, 100] {
            let r = verify_batch(&inputs, &trust, &opts, threads).unwrap();
            assert_eq!(r.len(), inputs.len());
            for (i, v) in r.iter().enumerate() {
                assert!(!v.valid);
                let alone = match verify(&inputs[i], &trust, &opts) {
                    Ok(v) => v,
                    Err(e) => Verification::from_error(&e),
                };
                assert_eq!(v.to_json(), alone.to_json(), "item {i}, {threads} threads");
            }
            assert_eq!(r[1].codes(), [Code::FormatJsonMalformed]);
            assert_eq!(r[1].sub_indication, Some("FORMAT_FAILURE"));
            assert_eq!(r[0].indication, Indication::TotalFailed);
        }
        assert!(verify_batch(&[], &trust, &opts, 0).unwrap().is_empty());
    }

    #[test]
    fn options_that_refuse_every_item_refuse_the_batch() {
        let trust = TrustStore::icp_brasil_default();
        let inputs = [VerifyInput {
            bundle: Some(b"{}"),
            ..Default::default()
        }];
        let mut opts = VerifyOptions::default();
        opts.settings.ocsp_timeout_secs = 1;
        assert_eq!(
            verify_batch(&inputs, &trust, &opts, 2).unwrap_err().code(),
            Code::ConfigTimeoutOutOfRange
        );
        let opts = VerifyOptions {
            accepted_policies: Some(Vec::new()),
            ..Default::default()
        };
        assert_eq!(
            verify_batch(&inputs, &trust, &opts, 2).unwrap_err().code(),
            Code::ConfigInvalidParameter
        );
    }

    use super::super::verify;
}
