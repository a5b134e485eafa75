//! Type-aware traversal: every value of type `Reference` in a resource, with its location.

use crate::check::{check_reference, CheckOptions};
use crate::kind::{classify, ReferenceKind};
use crate::resolve::EntryIndex;
use crate::table::{is_resource_type, MemberType, Resolved};
use sesgo_core::budget::{self, FindingCap};
use sesgo_core::json::{Kind, View};
use sesgo_core::{Code, Error, Finding};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::rc::Rc;

/// Deepest nesting the walker follows (the strict parser already bounds inputs at 64).
const MAX_WALK_DEPTH: usize = 200;

/// One step of a JSON pointer into a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// A `Reference` found in a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundReference {
    /// FHIRPath-like location of the Reference element, e.g.
    /// `Bundle.entry[3].resource.performer[1]` (append `.reference` for its string).
    pub location: String,
    /// Its classification.
    pub kind: ReferenceKind,
    /// The `reference` string, when there is one.
    pub reference: Option<String>,
    /// Index of the `Bundle.entry` holding it (`None` for the Provenance checked apart).
    pub entry: Option<usize>,
    /// Whether the resource holding it is a `contained` resource.
    pub in_contained: bool,
    /// Whether `reference` is `#id` naming a contained resource of the same container
    /// (only meaningful for [`ReferenceKind::Contained`]).
    pub contained_resolved: bool,
    pub(crate) steps: Vec<Step>,
}

pub(crate) struct Walker<'c> {
    /// The references found, unless a [`RefCheck`] checks them as they are found and was
    /// not asked to list them.
    pub(crate) refs: Vec<FoundReference>,
    /// Findings of the walk itself (resources that cannot be walked), capped per code as
    /// they accumulate with `cap`.
    pub(crate) findings: Vec<Finding>,
    pub(crate) entry: Option<usize>,
    pub(crate) keep_steps: bool,
    /// Whether the walk's own findings are kept (false for entries outside the signed set).
    pub(crate) report: bool,
    /// Checks each reference where it is found (the checker of a transfer Bundle).
    pub(crate) check: Option<RefCheck<'c>>,
    /// The cap of `findings` and of the checker's findings (DECISIONS D41).
    pub(crate) cap: FindingCap,
    path: String,
    steps: Vec<Step>,
    /// The call's work budget ran out (sesgo_core::budget): the walk stopped here.
    pub(crate) stopped: Option<Error>,
}

/// The rules applied to each reference as the walker finds it: nothing per reference is
/// held beyond its findings (capped per code) and, when asked, the listing.
pub(crate) struct RefCheck<'c> {
    pub(crate) opts: &'c CheckOptions,
    pub(crate) index: &'c EntryIndex<'c>,
    /// `signed[i]`: entry `i` is in the signed set.
    pub(crate) signed: &'c [bool],
    /// Walking the Provenance: its targets are checked by the target rules, and its other
    /// references are held to the rules with no signed entry behind them.
    pub(crate) provenance: bool,
    /// Keep every reference found in `Walker::refs` ([`CheckOptions::list_references`]).
    pub(crate) list: bool,
    /// Findings of the references, in document order, capped with the walker's cap.
    pub(crate) findings: Vec<Finding>,
    /// How many references were found.
    pub(crate) count: usize,
}

struct Scope {
    /// Ids of the container's `contained` resources: shared, looked up in O(1).
    contained_ids: Rc<HashSet<String>>,
    in_contained: bool,
}

impl<'c> Walker<'c> {
    pub(crate) fn new(keep_steps: bool) -> Self {
        Walker {
            refs: Vec::new(),
            findings: Vec::new(),
            entry: None,
            keep_steps,
            report: true,
            check: None,
            cap: FindingCap::default(),
            path: String::new(),
            steps: Vec::new(),
            stopped: None,
        }
    }

    /// A walker that checks each reference as it finds it.
    pub(crate) fn checking(check: RefCheck<'c>, cap: FindingCap) -> Self {
        Walker {
            check: Some(check),
            cap,
            ..Walker::new(false)
        }
    }

    /// Records a finding of the walk itself (when this resource's findings are kept).
    fn finding(&mut self, f: Finding) {
        if self.report {
            self.cap.push(&mut self.findings, f);
        }
    }

    /// The walk's findings with the cap's summaries appended (the walker's own use).
    pub(crate) fn take_findings(&mut self) -> Vec<Finding> {
        let mut findings = std::mem::take(&mut self.findings);
        std::mem::take(&mut self.cap).finish(&mut findings);
        findings
    }

    /// Charges one unit of work at the current path; false once the budget is spent.
    fn charge(&mut self) -> bool {
        if self.stopped.is_some() {
            return false;
        }
        match budget::charge(1, &self.path) {
            Ok(()) => true,
            Err(e) => {
                self.stopped = Some(e);
                false
            }
        }
    }

    /// Walks a resource located at `root` (e.g. `Bundle.entry[3].resource`).
    pub(crate) fn walk_root<'a, V: View<'a>>(&mut self, resource: V, root: &str) {
        self.path.clear();
        self.path.push_str(root);
        self.steps.clear();
        self.walk_resource(resource, None, 0);
    }

    fn push_key(&mut self, key: &str) -> usize {
        let len = self.path.len();
        self.path.push('.');
        self.path.push_str(key);
        if self.keep_steps {
            self.steps.push(Step::Key(key.to_owned()));
        }
        len
    }

    fn push_index(&mut self, i: usize) -> usize {
        let len = self.path.len();
        // Written in place: no `String` per index. Writing to a `String` cannot fail.
        let _ = write!(self.path, "[{i}]");
        if self.keep_steps {
            self.steps.push(Step::Index(i));
        }
        len
    }

    fn pop(&mut self, len: usize) {
        self.path.truncate(len);
        if self.keep_steps {
            self.steps.pop();
        }
    }

    fn walk_resource<'a, V: View<'a>>(&mut self, v: V, parent: Option<&Scope>, depth: usize) {
        if !self.charge() {
            return;
        }
        let Some(members) = v.members() else {
            self.finding(
                Finding::new(
                    Code::FormatBundleMalformed,
                    format!("recurso não é um objeto JSON em {}", self.path),
                )
                .at(self.path.clone()),
            );
            return;
        };
        let rtype = match v.get("resourceType").and_then(V::as_str) {
            Some(s) => s,
            None => {
                self.finding(
                    Finding::new(
                        Code::FormatBundleMalformed,
                        format!("resourceType ausente ou inválido em {}", self.path),
                    )
                    .at(format!("{}.resourceType", self.path)),
                );
                return;
            }
        };
        if !is_resource_type(rtype) {
            self.finding(
                Finding::new(
                    Code::FormatResourceTypeUnsupported,
                    format!(
                        "Tipo de recurso '{rtype}' em {} não é um recurso FHIR R4",
                        self.path
                    ),
                )
                .at(format!("{}.resourceType", self.path)),
            );
            return;
        }
        // A contained resource resolves `#id` against its container's contained list.
        let own;
        let scope = match parent {
            Some(p) => p,
            None => {
                own = Scope {
                    contained_ids: contained_ids(v),
                    in_contained: false,
                };
                &own
            }
        };
        let scope_contained = Scope {
            contained_ids: Rc::clone(&scope.contained_ids),
            in_contained: true,
        };
        let ctx = Resolved::of(rtype);
        // `contained` members are walked with the container's scope.
        for (k, val) in members {
            if k == "contained" && ctx.member_type(k) == Some(MemberType::Resource) {
                let len = self.push_key(k);
                match val.items() {
                    Some(items) => {
                        for (i, item) in items.enumerate() {
                            let l2 = self.push_index(i);
                            self.walk_resource(item, Some(&scope_contained), depth + 1);
                            self.pop(l2);
                        }
                    }
                    None => self.walk_resource(val, Some(&scope_contained), depth + 1),
                }
                self.pop(len);
            } else {
                self.walk_member(&ctx, k, val, scope, depth);
            }
        }
    }

    /// The members of `obj` (an object) in context `ctx`.
    fn walk_object<'a, V: View<'a>>(&mut self, ctx: Resolved, obj: V, scope: &Scope, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            self.finding(
                Finding::new(
                    Code::FormatJsonMalformed,
                    format!("aninhamento excessivo em {}", self.path),
                )
                .at(self.path.clone()),
            );
            return;
        }
        for (k, v) in obj.members().into_iter().flatten() {
            self.walk_member(&ctx, k, v, scope, depth);
        }
    }

    fn walk_member<'a, V: View<'a>>(
        &mut self,
        ctx: &Resolved,
        k: &str,
        v: V,
        scope: &Scope,
        depth: usize,
    ) {
        if !self.charge() {
            return;
        }
        let (ty, inner) = if let Some(prim) = k.strip_prefix('_') {
            // `_member` carries the id/extensions of a primitive `member`.
            match ctx.member_type(prim) {
                Some(MemberType::Primitive) => {
                    (MemberType::Datatype("Element"), Resolved::element())
                }
                _ => return,
            }
        } else {
            match ctx.member(k) {
                Some((MemberType::Primitive, _)) | None => return,
                Some(t) => t,
            }
        };
        let len = self.push_key(k);
        match v.items() {
            Some(items) => {
                for (i, item) in items.enumerate() {
                    let l2 = self.push_index(i);
                    if self.charge() {
                        self.walk_typed(ty, inner, item, scope, depth + 1);
                    }
                    self.pop(l2);
                }
            }
            None => self.walk_typed(ty, inner, v, scope, depth + 1),
        }
        self.pop(len);
    }

    /// `v`, of type `ty`; `inner` is the context of a datatype or a backbone element.
    fn walk_typed<'a, V: View<'a>>(
        &mut self,
        ty: MemberType,
        inner: Resolved,
        v: V,
        scope: &Scope,
        depth: usize,
    ) {
        match ty {
            MemberType::Reference => {
                self.record(v, scope);
                if v.kind() == Kind::Object {
                    self.walk_object(Resolved::reference(), v, scope, depth);
                }
            }
            MemberType::Resource => {
                // A resource nested in a resource (Bundle.entry.resource of an inner
                // Bundle, Parameters.parameter.resource): its own container scope.
                if depth <= MAX_WALK_DEPTH {
                    self.walk_resource(v, None, depth);
                }
            }
            MemberType::Datatype(_) | MemberType::Backbone(_) => {
                if v.kind() == Kind::Object {
                    self.walk_object(inner, v, scope, depth);
                }
            }
            MemberType::Primitive => {}
        }
    }

    fn record<'a, V: View<'a>>(&mut self, v: V, scope: &Scope) {
        let kind = classify(v);
        let reference = v.get("reference").and_then(V::as_str).map(str::to_owned);
        let contained_resolved = match (&kind, &reference) {
            (ReferenceKind::Contained, Some(r)) => r
                .strip_prefix('#')
                .is_some_and(|id| scope.contained_ids.contains(id)),
            _ => false,
        };
        let found = FoundReference {
            location: self.path.clone(),
            kind,
            reference,
            entry: self.entry,
            in_contained: scope.in_contained,
            contained_resolved,
            steps: if self.keep_steps {
                self.steps.clone()
            } else {
                Vec::new()
            },
        };
        let Some(check) = self.check.as_mut() else {
            self.refs.push(found);
            return;
        };
        check.count = check.count.saturating_add(1);
        // (held to the rules, from a signed entry): the Provenance's own references with no
        // signed entry behind them, except Provenance.target[j], which the target rules
        // check; an entry's references only when the entry is signed.
        let (checked, from_signed) = if check.provenance {
            let is_target = found
                .location
                .strip_prefix("Provenance.target[")
                .is_some_and(|rest| rest.ends_with(']') && !rest.contains('.'));
            (!is_target, false)
        } else {
            let signed = found
                .entry
                .and_then(|i| check.signed.get(i).copied())
                .unwrap_or(false);
            (signed, signed)
        };
        if from_signed {
            if let Err(e) = budget::charge(1, &found.location) {
                self.stopped = Some(e);
                return;
            }
        }
        if checked {
            let mut found_findings = Vec::new();
            check_reference(
                &found,
                check.opts,
                check.index,
                check.signed,
                from_signed,
                &mut found_findings,
            );
            for f in found_findings {
                self.cap.push(&mut check.findings, f);
            }
        }
        if check.list {
            self.refs.push(found);
        }
    }
}

fn contained_ids<'a, V: View<'a>>(obj: V) -> Rc<HashSet<String>> {
    Rc::new(
        obj.get("contained")
            .and_then(V::items)
            .map(|items| {
                items
                    .filter_map(|c| c.get("id").and_then(V::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// Every `Reference` in `resource` (a FHIR R4 resource as JSON), located under `root`
/// (e.g. `Observation` or `Bundle.entry[0].resource`), plus findings for what could not
/// be walked (unknown resource types → `FORMAT.RESOURCE-TYPE-UNSUPPORTED`). Members that
/// FHIR R4 does not define in their context are ignored: they are reported by nothing.
///
/// ```
/// use sesgo_core::json::{parse_strict, Limits};
/// use sesgo_refs::{find_references, ReferenceKind};
///
/// let obs = parse_strict(br#"{"resourceType":"Observation","identifier":[{"value":"1"}],
///   "subject":{"reference":"Patient/x"},
///   "extension":[{"url":"http://e","valueReference":{"display":"Dr. X"}}]}"#,
///   &Limits::default()).unwrap();
/// let (refs, findings) = find_references(&obs, "Observation");
/// assert!(findings.is_empty());
/// let found: Vec<_> = refs.iter().map(|r| (r.location.as_str(), r.kind)).collect();
/// assert_eq!(found, [
///     ("Observation.subject", ReferenceKind::Relative),
///     ("Observation.extension[0].valueReference", ReferenceKind::DisplayOnly),
/// ]);
/// ```
pub fn find_references<'a, V: View<'a>>(
    resource: V,
    root: &str,
) -> (Vec<FoundReference>, Vec<Finding>) {
    let mut w = Walker::new(false);
    w.walk_root(resource, root);
    let mut findings = w.take_findings();
    if let Some(e) = w.stopped {
        findings.extend(e.into_findings());
    }
    (w.refs, findings)
}
