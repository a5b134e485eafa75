//! Signed attachments: profile `anexo-assinado` (Attachment with `size`, `hash` = SHA-1
//! Base64, extension `hash-sha256` = SHA-256 Base64), used by `informacao-assinada`
//! (DocumentReference.content.attachment). The signature covers the Attachment element,
//! hence the hashes: the content itself may travel inline (`data`) or by `url`.

use base64ct::{Base64, Encoding};
use sesgo_cert::crypto;
use sesgo_core::json::{Number, Object, Value};
use sesgo_core::{Code, Finding};

/// URL of the extension `hash-sha256`.
pub const HASH_SHA256_URL: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/hash-sha256";

/// Size and hashes of an attachment's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentDigests {
    /// Length in bytes (`Attachment.size`).
    pub size: u64,
    /// Standard Base64 of SHA-1 (`Attachment.hash`).
    pub sha1: String,
    /// Standard Base64 of SHA-256 (extension `hash-sha256`).
    pub sha256: String,
}

/// Computes size and hashes of `content`.
pub fn digests(content: &[u8]) -> AttachmentDigests {
    AttachmentDigests {
        size: content.len() as u64,
        sha1: Base64::encode_string(&crypto::sha1(content)),
        sha256: Base64::encode_string(&crypto::sha256(content)),
    }
}

/// Fills `size`, `hash` and the `hash-sha256` extension of an Attachment from its
/// content (inline `data` when `external` is `None`), replacing stale values. Returns
/// the findings that prevented it (e.g. invalid Base64), if any.
pub fn fill(attachment: &mut Object, external: Option<&[u8]>, loc: &str) -> Result<(), Finding> {
    let content = content_of(attachment, external, loc)?;
    let d = digests(&content);
    attachment.insert("size", Value::Number(Number::from(d.size)));
    attachment.insert("hash", d.sha1);
    let mut ext = Object::new();
    ext.insert("url", HASH_SHA256_URL);
    ext.insert("valueBase64Binary", d.sha256);
    let list = match attachment
        .get_mut("extension")
        .and_then(Value::as_array_mut)
    {
        Some(list) => list,
        None => {
            attachment.insert("extension", Value::Array(Vec::new()));
            attachment
                .get_mut("extension")
                .and_then(Value::as_array_mut)
                .ok_or_else(|| Finding::new(Code::FormatResourceInvalid, "extension").at(loc))?
        }
    };
    list.retain(|e| e["url"] != HASH_SHA256_URL);
    list.insert(0, Value::Object(ext));
    Ok(())
}

fn content_of(att: &Object, external: Option<&[u8]>, loc: &str) -> Result<Vec<u8>, Finding> {
    match (att.get("data").and_then(Value::as_str), external) {
        (Some(data), _) => sesgo_core::base64::decode_standard(data).ok_or_else(|| {
            Finding::new(Code::FormatBase64Invalid, "Attachment.data não é Base64 padrão válido")
                .at(format!("{loc}.data"))
        }),
        (None, Some(bytes)) => Ok(bytes.to_vec()),
        (None, None) => Err(Finding::new(
            Code::ConfigMissingParameter,
            "Attachment sem data: o conteúdo referenciado por url deve ser fornecido para verificar os hashes",
        )
        .at(format!("{loc}.url"))),
    }
}

/// Checks an Attachment against the profile `anexo-assinado` and its content (inline
/// `data`, or `external` bytes for a `url` attachment): `contentType`, `size`, `hash`
/// and the `hash-sha256` extension present (exactly one), and all three matching the
/// content (`CRYPTO.HASH-VERIFICATION-FAILED`). Every finding is located under `loc`.
pub fn check(attachment: &Value, external: Option<&[u8]>, loc: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(att) = attachment.as_object() else {
        out.push(
            Finding::new(
                Code::FormatResourceInvalid,
                "Attachment não é um objeto JSON",
            )
            .at(loc),
        );
        return out;
    };
    let missing = |what: &str| {
        Finding::new(
            Code::FormatProfileValidationFailed,
            format!("anexo-assinado exige Attachment.{what}"),
        )
        .at(format!("{loc}.{what}"))
    };
    if att.get("contentType").and_then(Value::as_str).is_none() {
        out.push(missing("contentType"));
    }
    let size = att.get("size").and_then(Value::as_u64);
    if size.is_none() {
        out.push(missing("size"));
    }
    let sha1 = att.get("hash").and_then(Value::as_str);
    if sha1.is_none() {
        out.push(missing("hash"));
    }
    let exts: Vec<(usize, &Value)> = att
        .get("extension")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .filter(|(_, e)| e["url"] == HASH_SHA256_URL)
                .collect()
        })
        .unwrap_or_default();
    let sha256 = match exts.as_slice() {
        [(i, e)] => {
            let v = e["valueBase64Binary"].as_str();
            if v.is_none() {
                out.push(
                    Finding::new(
                        Code::FormatExtensionMissing,
                        "extensão hash-sha256 sem valueBase64Binary",
                    )
                    .at(format!("{loc}.extension[{i}]")),
                );
            }
            v.map(|v| (*i, v))
        }
        [] => {
            out.push(
                Finding::new(
                    Code::FormatExtensionMissing,
                    format!("anexo-assinado exige a extensão {HASH_SHA256_URL}"),
                )
                .at(format!("{loc}.extension")),
            );
            None
        }
        _ => {
            out.push(
                Finding::new(
                    Code::FormatProfileValidationFailed,
                    "a extensão hash-sha256 aparece mais de uma vez (cardinalidade 1..1)",
                )
                .at(format!("{loc}.extension")),
            );
            None
        }
    };
    let content = match content_of(att, external, loc) {
        Ok(c) => c,
        Err(f) => {
            out.push(f);
            return out;
        }
    };
    let d = digests(&content);
    if let Some(s) = size {
        if s != d.size {
            out.push(
                Finding::new(
                    Code::CryptoHashVerificationFailed,
                    format!("Attachment.size = {s}, mas o conteúdo tem {} bytes", d.size),
                )
                .at(format!("{loc}.size")),
            );
        }
    }
    if let Some(h) = sha1 {
        if h != d.sha1 {
            out.push(
                Finding::new(
                    Code::CryptoHashVerificationFailed,
                    format!("Attachment.hash (SHA-1) = '{h}', calculado '{}'", d.sha1),
                )
                .at(format!("{loc}.hash")),
            );
        }
    }
    if let Some((i, h)) = sha256 {
        if h != d.sha256 {
            out.push(
                Finding::new(
                    Code::CryptoHashVerificationFailed,
                    format!("hash-sha256 = '{h}', calculado '{}'", d.sha256),
                )
                .at(format!("{loc}.extension[{i}].valueBase64Binary")),
            );
        }
    }
    out
}
