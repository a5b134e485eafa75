//! The signature policies sesgo implements (DECISIONS D1) and their identification.

use sesgo_core::{Code, Error, Result};

/// Base of the policy-0.1 family URIs (`<base>|X.Y.Z`).
pub const POLICY_01_BASE: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca";
/// Prefix of the policy-0.2.0 URI form (`<prefix>X.Y.Z`).
pub const POLICY_020_PREFIX: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/";
/// URI of the canonicalization of policy 0.2.0 (IG-DIGEST §17.3).
pub const FHIR_JSON_LOSSLESS_URI: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/canonicalizacao/fhir-json-lossless/0.2.0";
/// `srCms` commitment type of policy 0.2.0 (IG-DIGEST §17.5).
pub const COMMITMENT_TYPE_URN: &str = "urn:oid:1.2.840.10065.1.12.1.5";

/// A supported signature policy, selected by its URI (DECISIONS D1).
///
/// ```
/// use sesgo_jades::{Canonicalization, Policy};
///
/// let p = Policy::from_uri(
///     "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2",
/// )
/// .unwrap();
/// assert_eq!(p, Policy::default());
/// assert_eq!(p.canonicalization(), Canonicalization::Jcs);
/// let p2 = Policy::from_uri("https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0").unwrap();
/// assert_eq!(p2.sig_format(), "application/jose+json");
/// assert_eq!(
///     Policy::from_uri("https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.3.0")
///         .unwrap_err()
///         .code(),
///     sesgo_core::Code::PolicyVersionUnsupported
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Policy {
    /// `…br.go.ses.seguranca|0.0.2` (family 0.1).
    Ig002,
    /// `…br.go.ses.seguranca|0.1.0` (family 0.1).
    Ig010,
    /// `…br.go.ses.seguranca|0.1.2` (family 0.1) — the signing default (D1).
    #[default]
    Ig012,
    /// `…/assinatura/politica/0.2.0`.
    Politica020,
}

/// The two policy families: what actually differs between policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// IG 0.0.2 / 0.1.0 / 0.1.2: JCS, concatenated digest, `sigPId:{id}`.
    V01,
    /// Policy 0.2.0: lossless canonicalization, framed digest, closed JAdES header.
    V020,
}

/// Canonicalization scheme of a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Canonicalization {
    /// RFC 8785 JSON Canonicalization Scheme (numbers re-serialized as ECMAScript doubles).
    Jcs,
    /// `fhir-json-lossless/0.2.0`: JCS ordering and escaping, number tokens verbatim.
    FhirJsonLossless,
}

/// How the signing time is evidenced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Self-declared `iat` (0.2.0: JAdES-B-B).
    Iat,
    /// RFC 3161 timestamp token in the unprotected header (0.2.0: JAdES-B-T).
    Tsa,
}

impl Strategy {
    /// `"iat"` or `"tsa"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Iat => "iat",
            Strategy::Tsa => "tsa",
        }
    }
}

impl Policy {
    /// Every supported policy.
    pub const ALL: [Policy; 4] = [
        Policy::Ig002,
        Policy::Ig010,
        Policy::Ig012,
        Policy::Politica020,
    ];

    /// Identifies a policy by URI (criar 1.1; validar §1).
    ///
    /// Empty → `POLICY.MISSING`; malformed → `POLICY.URI-INVALID`; well-formed but not
    /// supported → `POLICY.VERSION-UNSUPPORTED`.
    pub fn from_uri(uri: &str) -> Result<Policy> {
        if uri.trim().is_empty() {
            return Err(Error::new(
                Code::PolicyMissing,
                "URI da política de assinatura ausente",
            ));
        }
        let invalid = |why: &str| {
            Error::new(
                Code::PolicyUriInvalid,
                format!("URI de política inválida ({why}): '{}'", truncate(uri)),
            )
        };
        let unsupported = || {
            Error::new(
                Code::PolicyVersionUnsupported,
                format!("política de assinatura não suportada: '{}'", truncate(uri)),
            )
        };
        if !uri.starts_with("https://") {
            return Err(invalid("esperado URI absoluto https"));
        }
        if uri.bytes().any(|b| b <= b' ' || b == 0x7f) || uri.contains('#') {
            return Err(invalid("espaço, caractere de controle ou fragmento"));
        }
        let host_and_path = &uri["https://".len()..];
        if host_and_path.is_empty() || host_and_path.starts_with('/') {
            return Err(invalid("sem host"));
        }
        match uri.split_once('|') {
            // Family 0.1: `<base>|X.Y.Z`, exactly one `|`.
            Some((base, version)) => {
                if version.contains('|') {
                    return Err(invalid("mais de um '|'"));
                }
                if !is_semver(version) {
                    return Err(invalid("versão após '|' não é SemVer"));
                }
                if base != POLICY_01_BASE {
                    return Err(unsupported());
                }
                match version {
                    "0.0.2" => Ok(Policy::Ig002),
                    "0.1.0" => Ok(Policy::Ig010),
                    "0.1.2" => Ok(Policy::Ig012),
                    _ => Err(unsupported()),
                }
            }
            // 0.2.0 form: absolute https, no `|`, last path segment SemVer.
            None => {
                let last = uri.rsplit('/').next().unwrap_or("");
                if !is_semver(last) || uri.contains('?') {
                    return Err(invalid("último segmento do caminho não é SemVer"));
                }
                if uri == Policy::Politica020.uri() {
                    Ok(Policy::Politica020)
                } else {
                    Err(unsupported())
                }
            }
        }
    }

    /// The policy URI (exactly as written in `sigPId`).
    pub fn uri(self) -> &'static str {
        match self {
            Policy::Ig002 => {
                "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.0.2"
            }
            Policy::Ig010 => {
                "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.0"
            }
            Policy::Ig012 => {
                "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2"
            }
            Policy::Politica020 => {
                "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0"
            }
        }
    }

    /// The family (what the algorithms depend on).
    pub fn family(self) -> Family {
        match self {
            Policy::Politica020 => Family::V020,
            _ => Family::V01,
        }
    }

    /// Canonicalization scheme (criar Etapas 3–6; IG-DIGEST §17.3).
    pub fn canonicalization(self) -> Canonicalization {
        match self.family() {
            Family::V01 => Canonicalization::Jcs,
            Family::V020 => Canonicalization::FhirJsonLossless,
        }
    }

    /// `Signature.sigFormat` (criar Etapa 14; §17.8).
    pub fn sig_format(self) -> &'static str {
        match self.family() {
            Family::V01 => "application/jose",
            Family::V020 => "application/jose+json",
        }
    }

    /// `Signature.targetFormat` (criar Etapa 14; §17.8).
    pub fn target_format(self) -> &'static str {
        match self.family() {
            Family::V01 => "application/octet-stream",
            Family::V020 => "application/fhir+json",
        }
    }

    /// Root members removed before canonicalization.
    pub(crate) fn stripped_root(self) -> &'static [&'static str] {
        match self.family() {
            Family::V01 => &["id"],
            Family::V020 => &["id", "_id"],
        }
    }

    /// `meta` members removed before canonicalization (`meta` itself dropped if empty).
    pub(crate) fn stripped_meta(self) -> &'static [&'static str] {
        match self.family() {
            Family::V01 => &["versionId", "lastUpdated", "source", "tag"],
            Family::V020 => &[
                "versionId",
                "_versionId",
                "lastUpdated",
                "_lastUpdated",
                "source",
                "_source",
                "tag",
            ],
        }
    }

    /// Members of the protected header, in the order sesgo writes them (Etapa 7; §17.5).
    pub(crate) fn protected_members(self) -> &'static [&'static str] {
        match self.family() {
            Family::V01 => &["alg", "x5c", "iat", "sigPId"],
            Family::V020 => &["alg", "x5t#S256", "x5c", "iat", "sigPId", "srCms"],
        }
    }
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.uri())
    }
}

impl std::str::FromStr for Policy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Policy> {
        Policy::from_uri(s)
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(200) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// SemVer 2.0.0: `MAJOR.MINOR.PATCH[-pre][+build]`, no leading zeros in numeric parts.
pub(crate) fn is_semver(s: &str) -> bool {
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numeric = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p == "0" || !p.starts_with('0'))
    };
    let ident =
        |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let mut parts = core.split('.');
    let ok_core = (0..3).all(|_| parts.next().is_some_and(numeric)) && parts.next().is_none();
    let ok_pre = pre.is_none_or(|p| {
        p.split('.')
            .all(|id| ident(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || numeric(id)))
    });
    let ok_build = build.is_none_or(|b| b.split('.').all(ident));
    ok_core && ok_pre && ok_build
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver() {
        for ok in ["0.2.0", "1.0.0-alpha.1", "1.0.0+build.5", "10.20.30"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in [
            "0.2", "01.2.0", "1.2.3-", "1.2.3-01", "a.b.c", "", "1.2.3.4",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn uris() {
        for p in Policy::ALL {
            assert_eq!(Policy::from_uri(p.uri()).unwrap(), p);
        }
        let c = |u: &str| Policy::from_uri(u).unwrap_err().code();
        assert_eq!(c(""), Code::PolicyMissing);
        assert_eq!(c("  "), Code::PolicyMissing);
        assert_eq!(
            c(&format!("{POLICY_01_BASE}|0.1.3")),
            Code::PolicyVersionUnsupported
        );
        assert_eq!(c(&format!("{POLICY_01_BASE}|0.1")), Code::PolicyUriInvalid);
        assert_eq!(
            c(&format!("{POLICY_01_BASE}|0.1.2|0.1.2")),
            Code::PolicyUriInvalid
        );
        assert_eq!(
            c("http://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0"),
            Code::PolicyUriInvalid
        );
        assert_eq!(
            c("https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0#x"),
            Code::PolicyUriInvalid
        );
        assert_eq!(
            c("https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/latest"),
            Code::PolicyUriInvalid
        );
        assert_eq!(
            c("https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.3.0"),
            Code::PolicyVersionUnsupported
        );
        assert_eq!(c(POLICY_01_BASE), Code::PolicyUriInvalid);
    }
}
