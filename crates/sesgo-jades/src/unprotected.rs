//! The unprotected header (criar Etapa 13; §17.5): `rRefs` and the timestamp token, in
//! the profile's container (`UnprotectedForm`).

use base64ct::{Base64, Encoding};
use sesgo_cert::crypto;
use sesgo_core::json::write_escaped_str;
use sesgo_core::policy::UnprotectedForm;

/// `digestAlg` of every `rRefs` entry (IG-DIGEST §16bis).
pub const SHA512_DIGEST_ALG: &str = "http://www.w3.org/2001/04/xmlenc#sha512";

/// Revocation evidence references of policy 0.1 (`rRefs`, criar Etapa 13): SHA-512 of
/// each OCSP response / CRL kept as LTV evidence.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RevocationRefs {
    /// SHA-512 of each OCSP response DER.
    pub ocsp_sha512: Vec<[u8; 64]>,
    /// SHA-512 of each CRL DER.
    pub crl_sha512: Vec<[u8; 64]>,
}

impl RevocationRefs {
    /// Hashes the given OCSP responses and CRLs (DER).
    pub fn from_der<A: AsRef<[u8]>, B: AsRef<[u8]>>(ocsp: &[A], crl: &[B]) -> Self {
        RevocationRefs {
            ocsp_sha512: ocsp.iter().map(|d| crypto::sha512(d.as_ref())).collect(),
            crl_sha512: crl.iter().map(|d| crypto::sha512(d.as_ref())).collect(),
        }
    }

    /// True when there is no reference at all (`rRefs` is then omitted).
    pub fn is_empty(&self) -> bool {
        self.ocsp_sha512.is_empty() && self.crl_sha512.is_empty()
    }
}

/// Writes `,"header":{…}` (nothing when empty) for the profile's container.
pub(crate) fn write_header(
    o: &mut Vec<u8>,
    form: UnprotectedForm,
    token: Option<&[u8]>,
    refs: &RevocationRefs,
) {
    match form {
        UnprotectedForm::Flat => {
            // Etapa 13: header omitted when empty; empty lists omitted inside rRefs.
            let r = refs;
            if token.is_some() || !r.is_empty() {
                o.extend_from_slice(br#","header":{"#);
                let mut first = true;
                if let Some(t) = token {
                    o.extend_from_slice(br#""sigTst":"#);
                    write_escaped_str(o, &Base64::encode_string(t));
                    first = false;
                }
                if !r.is_empty() {
                    if !first {
                        o.push(b',');
                    }
                    o.extend_from_slice(br#""rRefs":{"#);
                    let mut lists = 0;
                    for (name, list) in [("ocspRefs", &r.ocsp_sha512), ("crlRefs", &r.crl_sha512)] {
                        if list.is_empty() {
                            continue;
                        }
                        if lists > 0 {
                            o.push(b',');
                        }
                        lists += 1;
                        write_escaped_str(o, name);
                        o.extend_from_slice(b":[");
                        for (i, d) in list.iter().enumerate() {
                            if i > 0 {
                                o.push(b',');
                            }
                            o.extend_from_slice(br#"{"digestAlg":"#);
                            write_escaped_str(o, SHA512_DIGEST_ALG);
                            o.extend_from_slice(br#","digestValue":"#);
                            write_escaped_str(o, &Base64::encode_string(d));
                            o.push(b'}');
                        }
                        o.push(b']');
                    }
                    o.push(b'}');
                }
                o.push(b'}');
            }
        }
        UnprotectedForm::EtsiU => {
            // §17.5: B-B no header; B-T exactly one etsiU sigTst.
            if let Some(t) = token {
                o.extend_from_slice(br#","header":{"etsiU":[{"sigTst":{"tstTokens":[{"val":"#);
                write_escaped_str(o, &Base64::encode_string(t));
                o.extend_from_slice(b"}]}}]}");
            }
        }
    }
}
