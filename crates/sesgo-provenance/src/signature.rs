//! The FHIR `Signature` of profile `assinatura-avancada` (criar Etapa 14).

use sesgo_core::json::{Kind, Object, Value, View};
use sesgo_core::{Code, Error, Finding, Result};

/// `Signature.type.system` (profile pattern).
pub const SIGNATURE_TYPE_SYSTEM: &str = "urn:iso-astm:E1762-95:2013";
/// `Signature.type.code` (profile pattern; ASTM "Verification Signature").
pub const SIGNATURE_TYPE_CODE: &str = "1.2.840.10065.1.12.1.5";
/// Identifier system of a natural person's CPF.
pub const SYSTEM_CPF: &str = "urn:brasil:cpf";
/// Identifier system of a legal entity's CNPJ.
pub const SYSTEM_CNPJ: &str = "urn:brasil:cnpj";

/// `Signature.sigFormat` and `Signature.targetFormat`, which differ between policies
/// (DECISIONS D1): a fact of the policy profile (`policy.profile().formats`).
pub use sesgo_core::policy::SignatureFormats;

/// The signer as the guide identifies it: `urn:brasil:cpf` or `urn:brasil:cnpj` plus the
/// digits taken from the certificate (criar 14.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SignerIdentifier {
    system: &'static str,
    value: String,
}

impl SignerIdentifier {
    /// Validates the system (CPF or CNPJ) and the value (11 or 14 ASCII digits).
    pub fn new(system: &str, value: &str) -> Result<Self> {
        let (system, len) = match system {
            SYSTEM_CPF => (SYSTEM_CPF, 11),
            SYSTEM_CNPJ => (SYSTEM_CNPJ, 14),
            other => {
                return Err(Error::new(
                    Code::CertMissingIdentification,
                    format!(
                    "sistema de identificação '{other}' não é urn:brasil:cpf nem urn:brasil:cnpj"
                ),
                ))
            }
        };
        if value.len() != len || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::new(
                Code::CertMissingIdentification,
                format!("identificador '{value}' não tem {len} dígitos para {system}"),
            ));
        }
        Ok(SignerIdentifier {
            system,
            value: value.to_owned(),
        })
    }

    /// `urn:brasil:cpf` or `urn:brasil:cnpj`.
    pub fn system(&self) -> &'static str {
        self.system
    }

    /// The digits.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The FHIR `Identifier` `{system, value}`.
    pub fn to_identifier(&self) -> Value {
        let mut o = Object::new();
        o.insert("system", self.system);
        o.insert("value", self.value.as_str());
        Value::Object(o)
    }
}

/// Builds the `Signature` (criar Etapa 14): `type` per the profile pattern, `when` = the
/// signing time (`iat`) as an instant, `who.identifier` only, no `onBehalfOf`, the policy's
/// formats, and `data` = standard Base64 of the final JWS JSON bytes.
pub fn build_signature(
    formats: &SignatureFormats,
    when_unix: i64,
    who: &SignerIdentifier,
    jws_json: &[u8],
) -> Result<Value> {
    let when = crate::instant_from_unix(when_unix).ok_or_else(|| {
        Error::new(
            Code::FormatInvalidTimestamp,
            format!("instante de assinatura {when_unix} fora do intervalo representável"),
        )
    })?;
    let mut coding = Object::new();
    coding.insert("system", SIGNATURE_TYPE_SYSTEM);
    coding.insert("code", SIGNATURE_TYPE_CODE);
    let mut who_ref = Object::new();
    who_ref.insert("identifier", who.to_identifier());
    let mut sig = Object::new();
    sig.insert("type", Value::Array(vec![Value::Object(coding)]));
    sig.insert("when", when);
    sig.insert("who", Value::Object(who_ref));
    sig.insert("targetFormat", formats.target_format);
    sig.insert("sigFormat", formats.sig_format);
    sig.insert("data", sesgo_core::base64::encode_standard(jws_json));
    Ok(Value::Object(sig))
}

/// A `Signature` read back: what verification needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadSignature {
    /// `Signature.when`, as written.
    pub when: String,
    /// `Signature.who.identifier`.
    pub who: SignerIdentifier,
    /// `Signature.sigFormat`.
    pub sig_format: String,
    /// `Signature.targetFormat`.
    pub target_format: String,
    /// The decoded `Signature.data`: the JWS JSON bytes.
    pub jws: Vec<u8>,
}

/// Reads a `Signature` strictly against the profile `assinatura-avancada`, reporting
/// every deviation located under `loc` (e.g. `Provenance.signature[0]`). `formats`, when
/// given, are the policy's expected formats (pass `None` before the policy is known).
pub fn read_signature<'a, V: View<'a>>(
    sig: V,
    loc: &str,
    formats: Option<&SignatureFormats>,
) -> Result<ReadSignature> {
    read(sig, loc, formats, true)
}

/// [`read_signature`] for a `Signature` already read once: the same checks and failures,
/// except that `data`, already decoded by that first read, is only required to be a
/// string (its Base64 is not decoded again; `jws` is left empty). For the second pass
/// with the policy's formats, once the JWS told the policy.
pub fn recheck_signature<'a, V: View<'a>>(
    sig: V,
    loc: &str,
    formats: Option<&SignatureFormats>,
) -> Result<ReadSignature> {
    read(sig, loc, formats, false)
}

fn read<'a, V: View<'a>>(
    sig: V,
    loc: &str,
    formats: Option<&SignatureFormats>,
    decode_data: bool,
) -> Result<ReadSignature> {
    let mut findings = Vec::new();
    let bad = |code: Code, at: &str, msg: String| Finding::new(code, msg).at(format!("{loc}.{at}"));
    if sig.kind() != Kind::Object {
        return Err(Error::new(
            Code::FormatSignatureMissing,
            format!("Signature não é um objeto JSON ({})", sig.kind().name()),
        )
        .at(loc));
    }
    let obj = sig;
    let text = |v: Option<V>, k: &str| v.and_then(|v| v.get(k)).and_then(V::as_str);
    // type: exactly the pattern (both policies, DECISIONS D1).
    let type_ok = obj.get("type").and_then(V::items).is_some_and(|mut a| {
        a.any(|c| {
            text(Some(c), "system") == Some(SIGNATURE_TYPE_SYSTEM)
                && text(Some(c), "code") == Some(SIGNATURE_TYPE_CODE)
        })
    });
    if !type_ok {
        findings.push(bad(
            Code::FormatProfileValidationFailed,
            "type",
            format!("Signature.type deve conter {SIGNATURE_TYPE_SYSTEM}#{SIGNATURE_TYPE_CODE}"),
        ));
    }
    let when = text(Some(obj), "when").unwrap_or_default().to_owned();
    if when.is_empty() {
        findings.push(bad(
            Code::FormatProfileValidationFailed,
            "when",
            "Signature.when ausente".into(),
        ));
    }
    if obj.get("onBehalfOf").is_some() {
        findings.push(bad(
            Code::FormatProfileValidationFailed,
            "onBehalfOf",
            "Signature.onBehalfOf é proibido (apenas quem produziu pode assinar)".into(),
        ));
    }
    let mut who = None;
    match obj.get("who").filter(|w| w.kind() == Kind::Object) {
        None => findings.push(bad(
            Code::FormatProfileValidationFailed,
            "who",
            "Signature.who ausente".into(),
        )),
        Some(w) => {
            for (k, _) in w.members().into_iter().flatten() {
                if k != "identifier" {
                    findings.push(bad(
                        Code::FormatProfileValidationFailed,
                        &format!("who.{k}"),
                        format!("Signature.who.{k} é proibido: apenas who.identifier"),
                    ));
                }
            }
            let ident = w.get("identifier").filter(|i| i.kind() == Kind::Object);
            if let Some(id) = ident {
                for (k, _) in id.members().into_iter().flatten() {
                    if k != "system" && k != "value" && k != "extension" && k != "id" {
                        findings.push(bad(
                            Code::FormatProfileValidationFailed,
                            &format!("who.identifier.{k}"),
                            format!("Signature.who.identifier.{k} é proibido"),
                        ));
                    }
                }
            }
            match ident.map(|id| {
                SignerIdentifier::new(
                    text(Some(id), "system").unwrap_or_default(),
                    text(Some(id), "value").unwrap_or_default(),
                )
            }) {
                Some(Ok(s)) => who = Some(s),
                Some(Err(e)) => findings.extend(
                    e.into_findings()
                        .into_iter()
                        .map(|f| f.at(format!("{loc}.who.identifier"))),
                ),
                None => findings.push(bad(
                    Code::CertMissingIdentification,
                    "who.identifier",
                    "Signature.who.identifier ausente".into(),
                )),
            }
        }
    }
    let sig_format = text(Some(obj), "sigFormat").unwrap_or_default().to_owned();
    let target_format = text(Some(obj), "targetFormat")
        .unwrap_or_default()
        .to_owned();
    if let Some(f) = formats {
        if sig_format != f.sig_format {
            findings.push(bad(
                Code::ValidationPolicyComplianceFailed,
                "sigFormat",
                format!(
                    "sigFormat '{sig_format}' difere de '{}' exigido pela política",
                    f.sig_format
                ),
            ));
        }
        if target_format != f.target_format {
            findings.push(bad(
                Code::ValidationPolicyComplianceFailed,
                "targetFormat",
                format!(
                    "targetFormat '{target_format}' difere de '{}' exigido pela política",
                    f.target_format
                ),
            ));
        }
    }
    let jws = match text(Some(obj), "data") {
        None => {
            findings.push(bad(
                Code::FormatSignatureMissing,
                "data",
                "Signature.data ausente".into(),
            ));
            None
        }
        Some(_) if !decode_data => Some(Vec::new()),
        Some(d) => match sesgo_core::base64::decode_standard(d) {
            Some(bytes) if !bytes.is_empty() => Some(bytes),
            _ => {
                findings.push(bad(
                    Code::FormatBase64Invalid,
                    "data",
                    "Signature.data não é Base64 padrão válido".into(),
                ));
                None
            }
        },
    };
    if let Some(err) = Error::from_findings(findings) {
        return Err(err);
    }
    match (who, jws) {
        (Some(who), Some(jws)) => Ok(ReadSignature {
            when,
            who,
            sig_format,
            target_format,
            jws,
        }),
        _ => Err(Error::new(Code::FormatSignatureMissing, "Signature incompleta").at(loc)),
    }
}
