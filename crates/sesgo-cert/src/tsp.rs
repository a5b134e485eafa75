//! RFC 3161 time-stamp requests, responses and tokens (criar Etapa 12; validar §6 tsa;
//! IG-DIGEST §17.6; ADR 0049).
//!
//! * [`TimeStampRequest`]: a `TimeStampReq` with a SHA-256 imprint, a random 64-bit nonce,
//!   `certReq = true` and an optional policy OID (RustCrypto `x509-tsp`).
//! * [`token_from_response`]: a `TimeStampResp` → its `TimeStampToken`, when the status is
//!   `granted` / `grantedWithMods` (`TSA.INVALID-RESPONSE` otherwise).
//! * [`validate_token`]: the token's CMS `SignedData` (`cms`): one signer, signed attributes
//!   (`contentType`, `messageDigest`, ESS `signingCertificate(V2)`), the RSA signature, the
//!   TSA certificate (critical EKU consisting solely of `id-kp-timeStamping`, chained to the
//!   TSA trust anchors at `genTime`), and the `TSTInfo` (imprint, nonce, policy).
//!
//! Failures: `TSA.INVALID-TOKEN` (not a TimeStampToken at all) and `TSA.VALIDATION-FAILED`
//! (a token that does not prove what it must), each with a Portuguese diagnostic.

use crate::cert::Certificate;
use crate::chain::{validate_chain, ChainOptions};
use crate::crypto::{self, HashAlg};
use crate::trust::TrustStore;
use cmpv2::header::PkiFreeText;
use cmpv2::status::PkiStatus;
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::asn1::{BitStringRef, Int, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use sesgo_core::{Code, Error, Result};
use spki::AlgorithmIdentifierOwned;
use x509_tsp::{MessageImprint, TimeStampReq, TspVersion, TstInfo};

/// `id-kp-timeStamping` (RFC 5280 §4.2.1.12).
pub const ID_KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");

// ESS `SigningCertificate` (RFC 2634 §5.4) and `SigningCertificateV2` (RFC 5035 §3): no
// RustCrypto crate defines them (ADR 0049); only the members sesgo reads are typed, the
// optional `issuerSerial` and `policies` are kept as `Any`.
#[derive(Clone, Debug, Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct EssCertId {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// A DER `TimeStampReq` and what its response must echo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeStampRequest {
    /// The DER request (body of the `application/timestamp-query` POST).
    pub der: Vec<u8>,
    /// The SHA-256 message imprint.
    pub imprint: [u8; 32],
    /// The nonce, as the INTEGER's content bytes (positive, minimal).
    pub nonce: Vec<u8>,
    /// The requested TSA policy OID, dotted.
    pub policy: Option<String>,
}

impl TimeStampRequest {
    /// A request for `imprint` (SHA-256) with a random 64-bit nonce, `certReq = true` and,
    /// when given, `reqPolicy` (criar Etapa 12; §17.6). A malformed policy OID is
    /// `CONFIG.TSA-OID-INVALID`; no randomness is `TSA.UNAVAILABLE`.
    pub fn new(imprint: [u8; 32], policy: Option<&str>) -> Result<TimeStampRequest> {
        let mut nonce = [0u8; 8];
        getrandom::getrandom(&mut nonce).map_err(|e| {
            Error::new(
                Code::TsaUnavailable,
                format!("sem fonte de aleatoriedade para o nonce: {e}"),
            )
        })?;
        // Positive and minimal: first byte in 0x01..=0x7f.
        nonce[0] = (nonce[0] & 0x7f).max(1);
        Self::with_nonce(imprint, policy, &nonce)
    }

    /// [`TimeStampRequest::new`] with a given nonce (positive, minimal INTEGER content).
    pub fn with_nonce(
        imprint: [u8; 32],
        policy: Option<&str>,
        nonce: &[u8],
    ) -> Result<TimeStampRequest> {
        let req_policy = policy
            .map(|p| {
                ObjectIdentifier::new(p).map_err(|_| {
                    Error::new(
                        Code::ConfigTsaOidInvalid,
                        format!("OID de política da TSA inválido: '{p}'"),
                    )
                    .at("tsaPolicy")
                })
            })
            .transpose()?;
        let internal = |e: der::Error| {
            Error::new(
                Code::TsaInvalidResponse,
                format!("falha ao codificar TimeStampReq: {e}"),
            )
        };
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid: ID_SHA256,
                    parameters: Some(Any::null()),
                },
                hashed_message: OctetString::new(imprint.to_vec()).map_err(internal)?,
            },
            req_policy,
            nonce: Some(Int::new(nonce).map_err(internal)?),
            cert_req: true,
            extensions: None,
        };
        Ok(TimeStampRequest {
            der: req.to_der().map_err(internal)?,
            imprint,
            nonce: nonce.to_vec(),
            policy: policy.map(str::to_owned),
        })
    }
}

/// The `TimeStampToken` (DER `ContentInfo`) of a DER `TimeStampResp`
/// (criar Etapa 12). Status other than `granted` / `grantedWithMods`, no token, or bytes
/// that are not a `TimeStampResp`: `TSA.INVALID-RESPONSE`.
pub fn token_from_response(resp_der: &[u8]) -> Result<Vec<u8>> {
    let bad = |m: String| Error::new(Code::TsaInvalidResponse, m);
    let resp = TspResponse::from_der(resp_der)
        .map_err(|e| bad(format!("resposta da TSA não é um TimeStampResp DER: {e}")))?;
    match resp.status.status {
        PkiStatus::Accepted | PkiStatus::GrantedWithMods => {}
        other => {
            let mut text: Vec<String> = resp
                .status
                .status_string
                .iter()
                .flat_map(|s| s.iter().map(|u| u.as_str().to_owned()))
                .collect();
            if let Some(bits) = &resp.status.fail_info {
                let names = failure_names(bits);
                if !names.is_empty() {
                    text.push(format!("failInfo {}", names.join(", ")));
                }
            }
            return Err(bad(format!(
                "a TSA recusou o pedido (PKIStatus {other:?}{}{})",
                if text.is_empty() { "" } else { ": " },
                text.join("; ")
            )));
        }
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| bad("resposta concedida sem TimeStampToken".into()))?;
    token
        .to_der()
        .map_err(|e| bad(format!("TimeStampToken não recodificável: {e}")))
}

/// `TimeStampResp` (RFC 3161 §2.4.2). Not `x509_tsp::TimeStampResp`: its `PKIStatusInfo`
/// (from `cmpv2`) decodes `failInfo` into 16 flags, so a refusal carrying
/// `unacceptedExtension` (16), `addInfoNotAvailable` (17) or `systemFailure` (25), which
/// OpenSSL sends, would not decode at all. Here `failInfo` stays the BIT STRING it is.
#[derive(Sequence)]
struct TspResponse<'a> {
    status: TspStatusInfo<'a>,
    #[asn1(optional = "true")]
    time_stamp_token: Option<ContentInfo>,
}

/// `PKIStatusInfo` (RFC 3161 §2.4.2) with `failInfo` as a BIT STRING.
#[derive(Sequence)]
struct TspStatusInfo<'a> {
    status: PkiStatus,
    status_string: Option<PkiFreeText<'a>>,
    fail_info: Option<BitStringRef<'a>>,
}

/// The RFC 3161 names of the bits set in a `PKIFailureInfo`; a bit RFC 3161 does not name
/// is shown by its number. Only the first 32 bits are read (RFC 4210 names 27).
fn failure_names(bits: &BitStringRef<'_>) -> Vec<String> {
    const NAMES: [(usize, &str); 8] = [
        (0, "badAlg"),
        (2, "badRequest"),
        (5, "badDataFormat"),
        (14, "timeNotAvailable"),
        (15, "unacceptedPolicy"),
        (16, "unacceptedExtension"),
        (17, "addInfoNotAvailable"),
        (25, "systemFailure"),
    ];
    bits.bits()
        .take(32)
        .enumerate()
        .filter(|(_, set)| *set)
        .map(|(i, _)| {
            NAMES
                .iter()
                .find(|(n, _)| *n == i)
                .map_or_else(|| format!("bit {i}"), |(_, name)| (*name).to_owned())
        })
        .collect()
}

/// What a token's message imprint must be.
#[derive(Clone, Copy, Debug)]
pub enum Imprint<'a> {
    /// Exactly this SHA-256 (the imprint sesgo requested).
    Sha256(&'a [u8; 32]),
    /// The hash, with the token's algorithm (SHA-256, SHA-384 or SHA-512), of these bytes
    /// (a stored token: EU DSS, for one, timestamps with SHA-512 by default).
    Of(&'a [u8]),
}

/// What a token must prove.
#[derive(Clone, Copy, Debug)]
pub struct TokenCheck<'a> {
    /// The expected message imprint.
    pub imprint: Imprint<'a>,
    /// The nonce sent (signing); `None` when verifying a stored token.
    pub nonce: Option<&'a [u8]>,
    /// The TSA policy OID the token must carry, if one is configured.
    pub policy: Option<&'a str>,
    /// Anchors of the TSA certificate chain (the signer trust store or a separate one).
    pub trust: &'a TrustStore,
    /// Maximum chain length.
    pub max_depth: usize,
}

/// A validated time-stamp token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeStamp {
    /// `genTime`, Unix seconds (fraction dropped).
    pub gen_time: i64,
    /// `accuracy` in microseconds (0 when absent).
    pub accuracy_micros: i64,
    /// `TSTInfo.policy`, dotted.
    pub policy: String,
    /// `TSTInfo.serialNumber`, lower-case hex.
    pub serial_hex: String,
    /// The TSA certificate chain, TSA first, up to the trusted root.
    pub tsa_chain: Vec<Certificate>,
}

impl TimeStamp {
    /// `accuracy` rounded up to whole seconds.
    pub fn accuracy_secs(&self) -> i64 {
        (self.accuracy_micros + 999_999) / 1_000_000
    }

    /// The TSA certificate (the first of a validated chain, so present for every
    /// token this crate returns).
    pub fn tsa_certificate(&self) -> Option<&Certificate> {
        self.tsa_chain.first()
    }
}

fn invalid(m: impl Into<String>) -> Error {
    Error::new(Code::TsaInvalidToken, m)
}

fn failed(m: impl Into<String>) -> Error {
    Error::new(Code::TsaValidationFailed, m)
}

fn hash_of(oid: ObjectIdentifier) -> Option<HashAlg> {
    match oid {
        ID_SHA256 => Some(HashAlg::Sha256),
        ID_SHA384 => Some(HashAlg::Sha384),
        ID_SHA512 => Some(HashAlg::Sha512),
        _ => None,
    }
}

fn digest(alg: HashAlg, data: &[u8]) -> Vec<u8> {
    match alg {
        HashAlg::Sha256 => crypto::sha256(data).to_vec(),
        HashAlg::Sha384 => crypto::sha384(data).to_vec(),
        HashAlg::Sha512 => crypto::sha512(data).to_vec(),
    }
}

/// The single value of a signed attribute; absent or multi-valued → `None`.
fn attr(attrs: &SetOfVec<x509_cert::attr::Attribute>, oid: ObjectIdentifier) -> Option<&Any> {
    let mut it = attrs.iter().filter(|a| a.oid == oid);
    let a = it.next()?;
    if it.next().is_some() || a.values.len() != 1 {
        return None;
    }
    a.values.iter().next()
}

/// Validates a DER `TimeStampToken` (RFC 3161 §2.4.2; §17.6): see the module docs.
/// `genTime` is the time at which the TSA chain is judged.
pub fn validate_token(token_der: &[u8], check: &TokenCheck<'_>) -> Result<TimeStamp> {
    // Structure: ContentInfo → SignedData → TSTInfo.
    let ci = ContentInfo::from_der(token_der)
        .map_err(|e| invalid(format!("TimeStampToken não é um ContentInfo DER: {e}")))?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(invalid(format!(
            "TimeStampToken com contentType {} (esperado SignedData)",
            ci.content_type
        )));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| invalid(format!("SignedData inválido: {e}")))?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(invalid(format!(
            "eContentType {} (esperado id-ct-TSTInfo)",
            sd.encap_content_info.econtent_type
        )));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| invalid("TimeStampToken sem eContent"))?;
    let econtent: OctetString = econtent
        .decode_as()
        .map_err(|e| invalid(format!("eContent não é OCTET STRING: {e}")))?;
    let tst = TstInfo::from_der(econtent.as_bytes())
        .map_err(|e| invalid(format!("TSTInfo inválido: {e}")))?;
    let signers: Vec<_> = sd.signer_infos.0.iter().collect();
    let [si] = signers.as_slice() else {
        return Err(invalid(format!(
            "o token deve ter exatamente um SignerInfo (tem {})",
            signers.len()
        )));
    };
    let certs: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => {
                c.to_der().ok().and_then(|d| Certificate::from_der(&d).ok())
            }
            _ => None,
        })
        .collect();

    // TSTInfo: imprint, nonce, policy.
    let mi = &tst.message_imprint;
    let expected = match check.imprint {
        Imprint::Sha256(d) if mi.hash_algorithm.oid == ID_SHA256 => d.to_vec(),
        Imprint::Of(data) if hash_of(mi.hash_algorithm.oid).is_some() => digest(
            hash_of(mi.hash_algorithm.oid).unwrap_or(HashAlg::Sha256),
            data,
        ),
        _ => {
            return Err(failed(format!(
                "messageImprint com algoritmo {} não aceito",
                mi.hash_algorithm.oid
            )))
        }
    };
    if mi.hashed_message.as_bytes() != expected.as_slice() {
        return Err(failed(
            "messageImprint do carimbo não corresponde à assinatura carimbada",
        ));
    }
    if let Some(n) = check.nonce {
        if tst.nonce.as_ref().map(Int::as_bytes) != Some(n) {
            return Err(failed("nonce do carimbo difere do nonce enviado à TSA"));
        }
    }
    let policy = tst.policy.to_string();
    if let Some(p) = check.policy {
        if p != policy {
            return Err(failed(format!(
                "política do carimbo {policy} difere da política configurada {p}"
            )));
        }
    }
    let gen_time = i64::try_from(tst.gen_time.to_unix_duration().as_secs())
        .map_err(|_| invalid("genTime fora do intervalo"))?;
    let accuracy_micros = tst.accuracy.as_ref().map_or(0, |a| {
        a.seconds.unwrap_or(0).min(1 << 40) as i64 * 1_000_000
            + i64::from(a.millis.unwrap_or(0)) * 1_000
            + i64::from(a.micros.unwrap_or(0))
    });

    // Signer certificate, by sid.
    let tsa = certs
        .iter()
        .find(|c| match &si.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => {
                let tbs = &c.x509().tbs_certificate;
                tbs.issuer == ias.issuer && tbs.serial_number == ias.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => c
                .x509()
                .tbs_certificate
                .extensions
                .iter()
                .flatten()
                .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)
                .and_then(|e| OctetString::from_der(e.extn_value.as_bytes()).ok())
                .is_some_and(|k| k.as_bytes() == ski.0.as_bytes()),
        })
        .cloned()
        .ok_or_else(|| failed("o certificado da TSA não está no token (certReq)"))?;

    // RFC 3161 §2.3: critical EKU consisting solely of id-kp-timeStamping (§17.6).
    match tsa.extended_key_usage() {
        Some((ekus, true)) if ekus == [ID_KP_TIME_STAMPING] => {}
        Some((_, false)) => {
            return Err(failed(format!(
                "certificado da TSA '{}' com EKU não crítica (RFC 3161 §2.3 exige EKU crítica somente id-kp-timeStamping)",
                tsa.subject()
            )))
        }
        _ => {
            return Err(failed(format!(
                "certificado da TSA '{}' sem EKU exclusiva id-kp-timeStamping",
                tsa.subject()
            )))
        }
    }

    // Signed attributes: contentType, messageDigest, ESS signing certificate.
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| invalid("SignerInfo sem atributos assinados"))?;
    let hash = hash_of(si.digest_alg.oid).ok_or_else(|| {
        failed(format!(
            "algoritmo de resumo {} não suportado",
            si.digest_alg.oid
        ))
    })?;
    let ct: Option<ObjectIdentifier> =
        attr(attrs, ID_CONTENT_TYPE).and_then(|v| v.decode_as().ok());
    if ct != Some(ID_CT_TST_INFO) {
        return Err(failed(
            "atributo contentType ausente ou diferente de id-ct-TSTInfo",
        ));
    }
    let md: Option<OctetString> = attr(attrs, ID_MESSAGE_DIGEST).and_then(|v| v.decode_as().ok());
    if md.as_ref().map(OctetString::as_bytes) != Some(digest(hash, econtent.as_bytes()).as_slice())
    {
        return Err(failed("atributo messageDigest não confere com o TSTInfo"));
    }
    let ess_ok = if let Some(v) = attr(attrs, ID_SIGNING_CERTIFICATE_V2) {
        let sc: SigningCertificateV2 = v
            .decode_as()
            .map_err(|e| invalid(format!("signingCertificateV2 inválido: {e}")))?;
        let first = sc
            .certs
            .first()
            .ok_or_else(|| invalid("signingCertificateV2 vazio"))?;
        let alg = match &first.hash_algorithm {
            None => HashAlg::Sha256,
            Some(a) => hash_of(a.oid).ok_or_else(|| {
                failed(format!("ESSCertIDv2 com algoritmo {} não suportado", a.oid))
            })?,
        };
        first.cert_hash.as_bytes() == digest(alg, tsa.der()).as_slice()
    } else if let Some(v) = attr(attrs, ID_SIGNING_CERTIFICATE) {
        let sc: SigningCertificate = v
            .decode_as()
            .map_err(|e| invalid(format!("signingCertificate inválido: {e}")))?;
        let first = sc
            .certs
            .first()
            .ok_or_else(|| invalid("signingCertificate vazio"))?;
        first.cert_hash.as_bytes() == crypto::sha1(tsa.der()).as_slice()
    } else {
        return Err(failed(
            "atributo ESS signingCertificate(V2) ausente: o certificado da TSA não está vinculado à assinatura",
        ));
    };
    if !ess_ok {
        return Err(failed(
            "ESS signingCertificate não identifica o certificado que assinou o token",
        ));
    }

    // The CMS signature over the DER SET OF signed attributes.
    let sig_hash_ok = match si.signature_algorithm.oid {
        RSA_ENCRYPTION => true,
        SHA256_WITH_RSA => hash == HashAlg::Sha256,
        SHA384_WITH_RSA => hash == HashAlg::Sha384,
        SHA512_WITH_RSA => hash == HashAlg::Sha512,
        other => {
            return Err(failed(format!(
                "algoritmo de assinatura {other} não suportado (RSA PKCS#1 v1.5)"
            )))
        }
    };
    if !sig_hash_ok {
        return Err(failed(
            "algoritmo de assinatura incoerente com o digestAlgorithm",
        ));
    }
    let signed = attrs
        .to_der()
        .map_err(|e| invalid(format!("atributos assinados não recodificáveis: {e}")))?;
    let key = tsa
        .public_key()
        .map_err(|e| failed(format!("chave do certificado da TSA: {e}")))?;
    if !key.verify_pkcs1v15(hash, &signed, si.signature.as_bytes()) {
        return Err(failed("assinatura CMS do carimbo de tempo inválida"));
    }

    // The TSA chain to its anchors, at genTime.
    let mut pool = vec![tsa.clone()];
    pool.extend(certs.into_iter().filter(|c| *c != tsa));
    let chain = check
        .trust
        .complete_chain(&pool)
        .and_then(|chain| {
            validate_chain(
                &chain,
                check.trust,
                &ChainOptions {
                    reference_time: gen_time,
                    max_depth: check.max_depth,
                    near_expiry_days: 0,
                },
            )
        })
        .map_err(|e| {
            failed(format!(
                "cadeia do certificado da TSA '{}' não validada em genTime: {e}",
                tsa.subject()
            ))
        })?;

    Ok(TimeStamp {
        gen_time,
        accuracy_micros,
        policy,
        serial_hex: crate::cert::hex(tst.serial_number.as_bytes()),
        tsa_chain: chain.certificates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl ts -reply` (OpenSSL 3) when it cannot read its serial file: `rejection`,
    /// one status string and `failInfo` bit 17 (`addInfoNotAvailable`), a bit the 16-flag
    /// `cmpv2` type cannot hold.
    const OPENSSL_SERIAL_REFUSAL: &str = "3035303302010230280c264572726f7220647572696e672073\
        657269616c206e756d6265722067656e65726174696f6e2e030406000040";

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn a_refusal_with_high_fail_info_bits_is_reported_as_a_refusal() {
        let e = token_from_response(&hex(OPENSSL_SERIAL_REFUSAL)).unwrap_err();
        assert_eq!(e.code(), Code::TsaInvalidResponse);
        let text = e.to_string();
        assert!(
            text.contains("a TSA recusou o pedido (PKIStatus Rejection"),
            "{text}"
        );
        assert!(
            text.contains("Error during serial number generation."),
            "{text}"
        );
        assert!(text.contains("failInfo addInfoNotAvailable"), "{text}");
        // A bare refusal: systemFailure (bit 25); badAlg (bit 0) with a bit RFC 3161 does not name.
        let with_bits = |bits: &[u8]| {
            let status = [&[0x02, 0x01, 0x02][..], bits].concat();
            let info = [&[0x30, status.len() as u8][..], &status].concat();
            [&[0x30, info.len() as u8][..], &info].concat()
        };
        let e = token_from_response(&with_bits(&[0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40]))
            .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("(PKIStatus Rejection: failInfo systemFailure)"),
            "{e}"
        );
        let e = token_from_response(&with_bits(&[0x03, 0x02, 0x06, 0xC0])).unwrap_err();
        assert!(e.to_string().ends_with(": failInfo badAlg, bit 1)"), "{e}");
    }
}
