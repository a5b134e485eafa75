//! The guide's rules on References, Bundle entries and Provenance targets (seed page
//! `003_…` Restrições, criar 1.4–1.9, DECISIONS D2/D3).

mod provenance;
mod reference;
use provenance::{ambiguous, check_order, check_provenance};
pub(crate) use reference::check_reference;

use crate::resolve::EntryIndex;
use crate::uuid_urn::check_urn_uuid;
use crate::walk::{FoundReference, RefCheck, Walker};
use sesgo_core::budget::{self, FindingCap};
use sesgo_core::json::{Doc, Kind, Limits, View};
use sesgo_core::{hints, Code, Error, Finding};

/// Whether the check runs while signing or while validating (N1's severity, D3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Signing: a reference from a signed entry to an unsigned one is an error.
    #[default]
    Sign,
    /// Validating: the same is a warning (the signature itself is intact).
    Validate,
}

/// Options of [`check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Signing or validating (severity of N1 findings).
    pub mode: Mode,
    /// Policy 0.2.0: `fullUrl`, `Provenance.target.reference` and `urn:uuid` references
    /// must match `^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`.
    /// When `false` (policy 0.1), any version and variant of a hyphenated hexadecimal
    /// UUID passes. Upper-case hexadecimal is refused under every policy (DECISIONS D8).
    pub lowercase_uuids: bool,
    /// Maximum number of `Bundle.entry` (`maxEntriesBundle`, default 1000).
    pub max_entries: usize,
    /// Maximum number of `Provenance.target` (default 1000).
    pub max_targets: usize,
    /// Opt-in: report `FORMAT.BUNDLE-ORDER-MISMATCH` when targeted entries are not in
    /// `Provenance.target` order (D3).
    pub strict_order: bool,
    /// Limits of the strict JSON reading in [`check_json`].
    pub json_limits: Limits,
    /// List the references of entries outside the signed set too (in
    /// [`Report::references`]; default `true`). Verification turns it off: each signature
    /// then walks only its own signed set, so a Bundle with many signatures is not walked
    /// whole once per signature (docs/adr/0058).
    pub walk_unsigned: bool,
    /// Keep every Reference found in [`Report::references`] (default `true`). Off, each
    /// reference is checked where it is found and only counted
    /// ([`Report::reference_count`]): memory then stays bounded by the findings cap, not
    /// by the number of references (sign, verify and `check_references` of the facade).
    pub list_references: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            mode: Mode::Sign,
            lowercase_uuids: false,
            max_entries: CheckOptions::DEFAULT_MAX_ENTRIES,
            max_targets: CheckOptions::DEFAULT_MAX_ENTRIES,
            strict_order: false,
            json_limits: Limits::default(),
            walk_unsigned: true,
            list_references: true,
        }
    }
}

impl CheckOptions {
    /// Default `maxEntriesBundle`.
    pub const DEFAULT_MAX_ENTRIES: usize = 1000;
    /// Allowed range of `maxEntriesBundle` (and of the target limit).
    pub const MAX_ENTRIES_RANGE: std::ops::RangeInclusive<usize> = 100..=10_000;

    /// The defaults with the policy's UUID rule (`policy.profile().uuids`).
    pub fn for_policy(policy: sesgo_core::Policy) -> Self {
        CheckOptions {
            lowercase_uuids: policy.profile().uuids.strict(),
            ..CheckOptions::default()
        }
    }

    /// Shorthand for [`CheckOptions::for_policy`] of policy 0.2.0.
    pub fn policy_0_2() -> Self {
        CheckOptions::for_policy(sesgo_core::Policy::Politica020)
    }

    /// Sets the entry and target limits, refusing values outside [100, 10000]
    /// (`CONFIG.BUNDLE-SIZE-LIMIT-OUT-OF-RANGE`).
    pub fn with_max_entries(
        mut self,
        max_entries: usize,
        max_targets: usize,
    ) -> Result<Self, Error> {
        for (name, v) in [
            ("maxEntriesBundle", max_entries),
            ("maxTargets", max_targets),
        ] {
            if !Self::MAX_ENTRIES_RANGE.contains(&v) {
                return Err(Error::new(
                    Code::ConfigBundleSizeLimitOutOfRange,
                    format!("{name} = {v} fora do intervalo permitido [100, 10000]"),
                ));
            }
        }
        self.max_entries = max_entries;
        self.max_targets = max_targets;
        Ok(self)
    }
}

/// What [`check`] found: every finding, and every Reference with its classification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// All findings, in document order (Bundle first, then Provenance).
    pub findings: Vec<Finding>,
    /// Every Reference found in the Bundle entries and in the Provenance (empty unless
    /// [`CheckOptions::list_references`]).
    pub references: Vec<FoundReference>,
    /// How many References were found (listed or not).
    pub reference_count: usize,
}

impl Report {
    /// Whether some finding is an error (or fatal).
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity().is_failure())
    }

    /// `Ok(warnings)` when no finding is an error, otherwise the error with every finding.
    pub fn into_result(self) -> Result<Vec<Finding>, Error> {
        match Error::from_findings(self.findings.clone()) {
            Some(e) => Err(e),
            None => Ok(self.findings),
        }
    }
}

fn f(code: Code, diagnostics: String, location: impl Into<String>) -> Finding {
    Finding::new(code, diagnostics).at(location)
}

/// The finding of a Bundle with more entries than `maxEntriesBundle` allows
/// (`SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED` at `Bundle.entry`), for every stage that
/// refuses one.
pub fn too_many_entries(count: usize, max: usize) -> Finding {
    f(
        Code::SecurityBundleSizeLimitExceeded,
        format!("Número de entradas: {count}. Limite máximo: {max}"),
        "Bundle.entry",
    )
}

struct EntryInfo<'a, V> {
    full_url: Option<&'a str>,
    resource: Option<V>,
}

/// Checks a transfer Bundle and, when given, the Provenance of its signed set against the
/// guide's rules, reporting **all** findings (locations start with `Bundle.` or
/// `Provenance.`):
///
/// * `Bundle.resourceType` = `Bundle` (`FORMAT.BUNDLE-MALFORMED`), ≥ 1 entry
///   (`FORMAT.BUNDLE-EMPTY`), at most `max_entries` (`SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED`);
/// * every `fullUrl` present and a valid `urn:uuid` (`FORMAT.UUID-INVALID`), unique
///   (`FORMAT.DUPLICATE-FULLURL`);
/// * the Provenance: `resourceType`, non-empty `target` (`FORMAT.PROVENANCE-INVALID`),
///   each target a valid `urn:uuid` (`FORMAT.PROVENANCE-TARGET-INVALID`), unique
///   (`FORMAT.PROVENANCE-TARGET-DUPLICATE`), resolving to an entry
///   (`FORMAT.TARGET-REFERENCE-MISSING`) that has a `resource`
///   (`FORMAT.BUNDLE-RESOURCE-MISSING`) with a `resourceType` (`FORMAT.BUNDLE-MALFORMED`),
///   at most `max_targets` (`SECURITY.PROVENANCE-SIZE-LIMIT-EXCEEDED`), optionally in
///   Bundle order (`FORMAT.BUNDLE-ORDER-MISMATCH`);
/// * every Reference of the signed set (the targeted entries; every entry when no
///   Provenance is given) and of the Provenance: `identifier` XOR `reference`; a
///   `reference` is `urn:uuid` resolving to a `fullUrl`, `#id` resolving to a contained
///   resource, or `#` (`FORMAT.REFERENCE-INVALID` / `FORMAT.REFERENCE-MISSING`); N1: a
///   signed entry references only signed entries (error when signing, warning when
///   validating).
///
/// ```
/// use sesgo_core::{json::{parse_strict, Limits}, Code};
/// use sesgo_refs::{check, CheckOptions};
///
/// let bundle = parse_strict(br#"{"resourceType":"Bundle","type":"collection","entry":[
///   {"fullUrl":"urn:uuid:550e8400-e29b-41d4-a716-446655440000",
///    "resource":{"resourceType":"Patient","identifier":[{"value":"x"}]}},
///   {"fullUrl":"urn:uuid:550e8400-e29b-41d4-a716-446655440001",
///    "resource":{"resourceType":"Observation","status":"final","code":{"text":"massa"},
///      "subject":{"reference":"urn:uuid:550e8400-e29b-41d4-a716-446655440000"},
///      "performer":[{"reference":"Practitioner/7"}]}}]}"#, &Limits::default()).unwrap();
/// let report = check(&bundle, None, &CheckOptions::default());
/// assert_eq!(report.references.len(), 2);
/// assert_eq!(report.findings.len(), 1);
/// assert_eq!(report.findings[0].code(), Code::FormatReferenceInvalid);
/// assert_eq!(report.findings[0].locations(), ["Bundle.entry[1].resource.performer[0].reference"]);
/// ```
///
/// Any [`View`] of the JSON is checked: the [`Value`](sesgo_core::Value) tree as above,
/// or a compact [`Doc`](sesgo_core::json::Doc).
pub fn check<'a, V: View<'a>>(bundle: V, provenance: Option<V>, opts: &CheckOptions) -> Report {
    let mut report = Report::default();
    let findings = &mut report.findings;

    // --- Bundle shape -------------------------------------------------------------
    let bobj = bundle;
    if bobj.kind() != Kind::Object {
        findings.push(f(
            Code::FormatBundleMalformed,
            "o Bundle não é um objeto JSON".into(),
            "Bundle",
        ));
        return report;
    }
    match bobj.get("resourceType") {
        Some(s) if s.as_str() == Some("Bundle") => {}
        other => findings.push(f(
            Code::FormatBundleMalformed,
            format!(
                "Bundle.resourceType deve ser 'Bundle'; encontrado {}",
                other.map_or("nada".to_owned(), V::to_json)
            ),
            "Bundle.resourceType",
        )),
    }
    let entries: Vec<V> = match bobj.get("entry") {
        None => Vec::new(),
        Some(e) => match (e.kind(), e.items()) {
            (Kind::Null, _) => Vec::new(),
            (_, Some(items)) => items.collect(),
            (other, None) => {
                findings.push(f(
                    Code::FormatBundleMalformed,
                    format!(
                        "Bundle.entry deve ser uma lista; encontrado {}",
                        other.name()
                    ),
                    "Bundle.entry",
                ));
                return report;
            }
        },
    };
    if entries.is_empty() {
        findings.push(f(
            Code::FormatBundleEmpty,
            "Bundle.entry está vazio ou ausente. Quantidade de entradas encontradas: 0".into(),
            "Bundle.entry",
        ));
    }
    if entries.len() > opts.max_entries {
        findings.push(too_many_entries(entries.len(), opts.max_entries));
        return report;
    }

    // --- Entries and fullUrls -----------------------------------------------------
    let index = EntryIndex::new(entries.iter().copied());
    let mut infos = Vec::with_capacity(entries.len());
    for (i, &e) in entries.iter().enumerate() {
        if let Err(stop) = budget::charge(1, &format!("Bundle.entry[{i}]")) {
            findings.extend(stop.into_findings());
            return report;
        }
        if e.kind() != Kind::Object {
            findings.push(f(
                Code::FormatBundleMalformed,
                format!("Bundle.entry[{i}] não é um objeto JSON"),
                format!("Bundle.entry[{i}]"),
            ));
            infos.push(EntryInfo {
                full_url: None,
                resource: None,
            });
            continue;
        }
        let eobj = e;
        let full_url = match eobj.get("fullUrl").map(|u| (u, u.as_str())) {
            Some((_, Some(s))) => {
                if let Err(why) = check_urn_uuid(s, opts.lowercase_uuids) {
                    findings.push(f(
                        Code::FormatUuidInvalid,
                        hints::with_hint(
                            format!(
                                "fullUrl inválido: '{s}' em Bundle.entry[{i}]. Esperado formato: urn:uuid:[UUID] ({why})."
                            ),
                            hints::BUILD_TRANSFER_BUNDLE,
                        ),
                        format!("Bundle.entry[{i}].fullUrl"),
                    ));
                }
                Some(s)
            }
            other => {
                let other = other.map(|(u, _)| u);
                findings.push(f(
                    Code::FormatUuidInvalid,
                    hints::with_hint(
                        format!(
                            "fullUrl ausente ou inválido em Bundle.entry[{i}] ({}). Esperado formato: urn:uuid:[UUID].",
                            other.map_or("ausente".to_owned(), V::to_json)
                        ),
                        hints::BUILD_TRANSFER_BUNDLE,
                    ),
                    format!("Bundle.entry[{i}].fullUrl"),
                ));
                None
            }
        };
        let resource = eobj.get("resource").filter(|r| !r.is_null());
        infos.push(EntryInfo { full_url, resource });
    }
    // Every fullUrl names one entry: an exact repeat or a twin that differs only in
    // case is a duplicate (the one resolver, crate::resolve).
    for (first, i) in index.duplicates() {
        let s = index.full_url(i).unwrap_or_default();
        findings.push(
            f(
                Code::FormatDuplicateFullurl,
                format!(
                    "fullUrl duplicado: '{s}' encontrado nas posições {first} e {i} do Bundle.entry (UUIDs comparados sem distinção de maiúsculas)"
                ),
                format!("Bundle.entry[{first}].fullUrl"),
            )
            .at(format!("Bundle.entry[{i}].fullUrl")),
        );
    }

    // --- Provenance ----------------------------------------------------------------
    // signed[i]: entry i is in the signed set (targeted; all entries without Provenance).
    let mut signed = vec![provenance.is_none(); entries.len()];
    // (target index, entry index)
    let mut target_entries: Vec<(usize, usize)> = Vec::new();
    // A Provenance over its size limit is refused by its finding; its references are not
    // walked one by one (100 000 targets would be 100 000 listed references).
    let mut walk_provenance = true;
    if let Some(prov) = provenance {
        match check_provenance(
            prov,
            opts,
            &index,
            &infos,
            &mut signed,
            &mut target_entries,
            findings,
        ) {
            Ok(within) => walk_provenance = within,
            Err(stop) => {
                findings.extend(stop.into_findings());
                return report;
            }
        }
    }
    if provenance.is_none() {
        for (i, info) in infos.iter().enumerate() {
            if info.resource.is_none() && entries.get(i).is_some_and(|e| e.kind() == Kind::Object) {
                findings.push(f(
                    Code::FormatBundleResourceMissing,
                    format!("Bundle.entry[{i}] não possui resource"),
                    format!("Bundle.entry[{i}].resource"),
                ));
            }
        }
    }
    if opts.strict_order && !target_entries.is_empty() {
        check_order(&target_entries, &infos, findings);
    }

    // --- References of the signed set ------------------------------------------------
    // Each reference is checked where the walker finds it, and its findings are capped
    // per code as they accumulate (DECISIONS D41): a Bundle with 200 000 bad references
    // costs 100 findings of memory, not 200 000, and, unless listing was asked for, no
    // record of each reference.
    let mut walker = Walker::checking(
        RefCheck {
            opts,
            index: &index,
            signed: &signed,
            provenance: false,
            list: opts.list_references,
            findings: Vec::new(),
            count: 0,
        },
        FindingCap::default(),
    );
    for (i, info) in infos.iter().enumerate() {
        let Some(res) = info.resource else { continue };
        let in_set = signed.get(i).copied().unwrap_or(false);
        if !in_set && !opts.walk_unsigned {
            continue;
        }
        // Entries outside the signed set are walked (their references are listed) but
        // not held to the rules; a malformed one is still reported when signed.
        walker.entry = Some(i);
        walker.report = in_set;
        walker.walk_root(res, &format!("Bundle.entry[{i}].resource"));
        if walker.stopped.is_some() {
            break;
        }
    }
    let (mut cap, stopped) = finish_walk(&mut walker, &mut report);
    if let Some(stop) = stopped {
        report.findings.extend(stop.into_findings());
        cap.finish(&mut report.findings);
        return report;
    }

    if let Some(prov) = provenance.filter(|_| walk_provenance) {
        let mut walker = Walker::checking(
            RefCheck {
                opts,
                index: &index,
                signed: &signed,
                provenance: true,
                list: opts.list_references,
                findings: Vec::new(),
                count: 0,
            },
            cap,
        );
        walker.walk_root(prov, "Provenance");
        let (c, stopped) = finish_walk(&mut walker, &mut report);
        cap = c;
        if let Some(stop) = stopped {
            report.findings.extend(stop.into_findings());
        }
    }
    cap.finish(&mut report.findings);
    report
}

/// Moves a checking walker's findings (its own, then those of the references, in document
/// order), references and count into `report`; gives back the cap and the budget stop.
fn finish_walk(walker: &mut Walker<'_>, report: &mut Report) -> (FindingCap, Option<Error>) {
    report.findings.append(&mut walker.findings);
    if let Some(check) = walker.check.as_mut() {
        report.findings.append(&mut check.findings);
        report.reference_count = report.reference_count.saturating_add(check.count);
    }
    report.references.append(&mut walker.refs);
    (std::mem::take(&mut walker.cap), walker.stopped.take())
}

/// [`check`] on raw bytes: both inputs are first read with the strict JSON reader
/// (duplicate members → `FORMAT.JSON-MALFORMED`, size → `SECURITY.BUNDLE-MEMORY-LIMIT-EXCEEDED`
/// for the Bundle, `FORMAT.RESOURCE-TOO-LARGE` for the Provenance, depth bounded).
pub fn check_json(bundle: &[u8], provenance: Option<&[u8]>, opts: &CheckOptions) -> Report {
    let mut report = Report::default();
    // Read only: compact documents (docs/adr/0071).
    let b = Doc::parse(bundle, &opts.json_limits)
        .map_err(|e| e.into_error("Bundle", Code::SecurityBundleMemoryLimitExceeded));
    let p = provenance.map(|p| {
        Doc::parse(p, &opts.json_limits)
            .map_err(|e| e.into_error("Provenance", Code::FormatResourceTooLarge))
    });
    let mut failed = false;
    if let Err(e) = &b {
        report.findings.extend(e.findings().iter().cloned());
        failed = true;
    }
    if let Some(Err(e)) = &p {
        report.findings.extend(e.findings().iter().cloned());
        failed = true;
    }
    if failed {
        return report;
    }
    match (b, p) {
        (Ok(b), None) => check(b.root(), None, opts),
        (Ok(b), Some(Ok(p))) => check(b.root(), Some(p.root()), opts),
        _ => report,
    }
}
