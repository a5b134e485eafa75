//! Stage 0, *inputs* (validar §1 and inputs 1, 5, 6): the strict JSON reading of what was
//! supplied, and the list of signatures to verify, each paired with the content it must
//! be checked against. A supplied Bundle is never ignored: with a Signature or
//! `Signature.data`, the Provenance of the Bundle that carries that very signature
//! designates the signed set; when there is none, that is an error, not a skipped check.

use crate::settings::Settings;
use sesgo_core::json::{Doc, Limits, Node, View};
use sesgo_core::{Code, Error, Finding, Result};
use sesgo_provenance::signed_set::signed_provenances;

use super::VerifyInput;

/// The inputs, read with the strict JSON reader under the settings' limits into compact
/// documents: verification only reads, and a document costs about its input's size where
/// a tree costs three times it (docs/adr/0071).
pub(super) struct Parsed<'i> {
    pub bundle: Option<Doc<'i>>,
    provenance: Option<Doc<'i>>,
    signature: Option<Doc<'i>>,
    /// `Signature.data` as given, and the JWS bytes it decodes to.
    data: Option<(&'i str, Vec<u8>)>,
}

/// Where a Provenance came from.
pub(super) struct ProvenanceRef<'a> {
    pub value: Node<'a>,
    /// `Provenance` (supplied alone) or `Bundle.entry[k].resource`.
    pub location: String,
}

/// One signature to verify, with everything its stages need.
pub(super) struct Job<'a> {
    /// Location of the signature: `Signature.data`, `Signature`,
    /// `Provenance.signature[0]` or `Bundle.entry[k].resource.signature[0]`.
    pub sig_loc: String,
    /// The FHIR `Signature` element, when the signature came in one.
    pub signature: Option<Node<'a>>,
    /// The JWS bytes, when the signature came as `Signature.data`.
    pub jws: Option<&'a [u8]>,
    /// The Provenance that designates the signed set, when known.
    pub provenance: Option<ProvenanceRef<'a>>,
    /// The Bundle with the content, when supplied.
    pub bundle: Option<Node<'a>>,
    /// The Bundle entry of the Provenance that carries this signature, if any (it is the
    /// signature's container, not unsigned content, once the signature verifies).
    pub container: Option<usize>,
}

impl<'i> Parsed<'i> {
    pub fn read(input: &VerifyInput<'i>, s: &Settings) -> Result<Self> {
        let parse = |bytes: Option<&'i [u8]>, root: &str, max: u64, code: Code| {
            bytes
                .map(|b| {
                    let limits = Limits {
                        max_bytes: usize::try_from(max).unwrap_or(usize::MAX),
                        ..Limits::default()
                    };
                    Doc::parse(b, &limits).map_err(|e| e.into_error(root, code))
                })
                .transpose()
        };
        let data = match input.signature_data {
            Some(d) => {
                let d = d.trim();
                let max = crate::InputKind::SignatureData.max_bytes(Some(s));
                if d.len() as u64 > max {
                    return Err(Error::new(
                        Code::FormatResourceTooLarge,
                        format!(
                            "Signature.data com {} caracteres excede o limite de {max}",
                            d.len()
                        ),
                    )
                    .at("Signature.data"));
                }
                let jws = sesgo_core::base64::decode_standard(d).ok_or_else(|| {
                    Error::new(
                        Code::FormatBase64Invalid,
                        "Signature.data não é Base64 padrão válido",
                    )
                    .at("Signature.data")
                })?;
                Some((d, jws))
            }
            None => None,
        };
        Ok(Parsed {
            bundle: parse(
                input.bundle,
                "Bundle",
                s.max_bundle_bytes,
                Code::SecurityBundleMemoryLimitExceeded,
            )?,
            provenance: parse(
                input.provenance,
                "Provenance",
                s.max_bundle_bytes,
                Code::FormatResourceTooLarge,
            )?,
            signature: parse(
                input.signature,
                "Signature",
                8 << 20,
                Code::FormatResourceTooLarge,
            )?,
            data,
        })
    }

    /// The signatures to verify. Problems that prevent pairing a signature with its
    /// content are findings (the result is invalid), not errors.
    pub fn jobs(&self, findings: &mut Vec<Finding>) -> Result<Vec<Job<'_>>> {
        let bundle = self.bundle.as_ref().map(Doc::root);
        // A lone signature (as data or as a Signature element): its Provenance is the one
        // supplied, or the one in the Bundle that carries exactly this signature.
        let lone = match (&self.data, &self.signature) {
            (Some((d, jws)), _) => Some(("Signature.data", *d, None, Some(jws.as_slice()))),
            (None, Some(sig)) => Some((
                "Signature",
                sig.root()
                    .get("data")
                    .and_then(Node::as_str)
                    .unwrap_or_default(),
                Some(sig.root()),
                None,
            )),
            (None, None) => None,
        };
        if let Some((sig_loc, data, signature, jws)) = lone {
            let provenance = match (self.provenance.as_ref().map(Doc::root), bundle) {
                (Some(p), _) => {
                    let carried = p
                        .get("signature")
                        .and_then(Node::items)
                        .and_then(|mut a| a.next())
                        .and_then(|s| s.get("data"))
                        .and_then(Node::as_str);
                    if let Some(other) = carried.filter(|c| c.trim() != data) {
                        findings.push(
                            Finding::new(
                                Code::FormatProvenanceInvalid,
                                format!(
                                    "o Provenance fornecido carrega outra assinatura (Signature.data difere: '{}…')",
                                    other.chars().take(16).collect::<String>()
                                ),
                            )
                            .at("Provenance.signature[0].data"),
                        );
                    }
                    Some(ProvenanceRef {
                        value: p,
                        location: "Provenance".into(),
                    })
                }
                (None, Some(b)) => match carrier_of(b, data) {
                    Some((k, p)) => Some(ProvenanceRef {
                        value: p,
                        location: format!("Bundle.entry[{k}].resource"),
                    }),
                    None => {
                        findings.push(
                            Finding::new(
                                Code::FormatSignatureMissing,
                                format!(
                                    "nenhum Provenance do Bundle fornecido carrega esta assinatura ({sig_loc}); o conteúdo não pode ser verificado — informe também o Provenance assinado"
                                ),
                            )
                            .at("Bundle.entry"),
                        );
                        None
                    }
                },
                (None, None) => None,
            };
            return Ok(vec![Job {
                sig_loc: sig_loc.into(),
                signature,
                jws,
                provenance,
                bundle,
                container: bundle.and_then(|b| carrier_index(b, data)),
            }]);
        }
        if let Some(p) = self.provenance.as_ref().map(Doc::root) {
            let sigs: Vec<Node<'_>> = p
                .get("signature")
                .and_then(Node::items)
                .map_or_else(Vec::new, Iterator::collect);
            let [sig] = sigs[..] else {
                findings.push(
                    Finding::new(
                        Code::FormatSignatureMissing,
                        format!(
                            "Provenance com {} assinaturas; o perfil conteudo-assinado exige exatamente 1",
                            sigs.len()
                        ),
                    )
                    .at("Provenance.signature"),
                );
                return Ok(Vec::new());
            };
            return Ok(vec![Job {
                sig_loc: "Provenance.signature[0]".into(),
                signature: Some(sig),
                jws: None,
                provenance: Some(ProvenanceRef {
                    value: p,
                    location: "Provenance".into(),
                }),
                bundle,
                container: bundle.and_then(|b| {
                    carrier_index(
                        b,
                        sig.get("data")
                            .and_then(Node::as_str)
                            .unwrap_or_default()
                            .trim(),
                    )
                }),
            }]);
        }
        let Some(b) = bundle else {
            return Err(Error::new(
                Code::ConfigMissingParameter,
                "nada a verificar: informe Signature.data, uma Signature, um Provenance assinado ou um Bundle",
            ));
        };
        Ok(transfer_bundle_jobs(b, findings))
    }
}

/// The Provenance entries of `bundle` whose `signature[0].data` is `data`.
fn carrier_of<'b>(bundle: Node<'b>, data: &str) -> Option<(usize, Node<'b>)> {
    let entries = bundle.get("entry").and_then(Node::items)?;
    entries.enumerate().find_map(|(k, e)| {
        let res = e.get("resource")?;
        let d = res
            .get("signature")?
            .items()?
            .next()?
            .get("data")?
            .as_str()?;
        (res.get("resourceType").and_then(Node::as_str) == Some("Provenance")
            && !data.is_empty()
            && d.trim() == data)
            .then_some((k, res))
    })
}

/// The entry index of the Provenance of `bundle` that carries `data`, if any.
fn carrier_index(bundle: Node<'_>, data: &str) -> Option<usize> {
    carrier_of(bundle, data).map(|(k, _)| k)
}

/// Most signatures verified in one transfer Bundle (DECISIONS D40).
pub(crate) const MAX_SIGNATURES: usize = 100;

/// Every signed Provenance of a transfer Bundle (need N2), under the one rule *one
/// signature, one signed set* ([`signed_provenances`]); what it excludes is a finding.
fn transfer_bundle_jobs<'a>(b: Node<'a>, findings: &mut Vec<Finding>) -> Vec<Job<'a>> {
    let found = signed_provenances(b);
    findings.extend(found.findings);
    let mut signed = found.found;
    if signed.len() > MAX_SIGNATURES {
        // Each signature is verified on its own (JWS, chain, revocation): their number is
        // bounded like the entries' (DECISIONS D40). None is verified past the limit.
        findings.push(
            Finding::new(
                Code::SecurityBundleSizeLimitExceeded,
                format!(
                    "o Bundle carrega {} Provenances assinados; o limite é {MAX_SIGNATURES} assinaturas por Bundle",
                    signed.len()
                ),
            )
            .at("Bundle.entry"),
        );
        signed.clear();
    }
    signed
        .into_iter()
        .map(|sp| {
            let location = sp.location();
            Job {
                sig_loc: format!("{location}.signature[0]"),
                signature: Some(sp.signature),
                jws: None,
                provenance: Some(ProvenanceRef {
                    value: sp.provenance,
                    location,
                }),
                bundle: Some(b),
                container: Some(sp.entry_index),
            }
        })
        .collect()
}
