//! The signature policies sesgo implements (DECISIONS D1), identified by URI, and their
//! [`PolicyProfile`]s: everything that differs between policies, as data.
//!
//! This is the only module that matches on a [`Policy`]. Every other crate reads
//! `policy.profile().<fact>`; adding a policy is one profile here plus its known-answer
//! vectors (ADR 0042).

mod profile;

pub use profile::{
    Canonicalization, CertificateTypeRule, DigestFraming, EligibilityRule, Family, HeaderMember,
    IatRule, KeySizeRule, PolicyProfile, RRefsRule, SigPIdForm, SignatureFormats, SignerAgentRule,
    TsaImprint, UnprotectedForm, UuidRule, COMMITMENT_TYPE_URN,
};

use crate::{Code, Error, Result};

/// Base of the policy-0.1 family URIs (`<base>|X.Y.Z`).
pub const POLICY_01_BASE: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca";
/// Prefix of the policy-0.2.0 URI form (`<prefix>X.Y.Z`).
pub const POLICY_020_PREFIX: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/";
/// URI of the canonicalization of policy 0.2.0 (IG-DIGEST §17.3).
pub const FHIR_JSON_LOSSLESS_URI: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/canonicalizacao/fhir-json-lossless/0.2.0";

/// A supported signature policy, selected by its URI (DECISIONS D1).
///
/// ```
/// use sesgo_core::policy::{Canonicalization, Policy};
///
/// let p = Policy::from_uri(
///     "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2",
/// )
/// .unwrap();
/// assert_eq!(p, Policy::default());
/// assert_eq!(p.profile().canonicalization, Canonicalization::Jcs);
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
    /// A test-only policy (feature `test-profiles`; never in [`Policy::ALL`]).
    #[cfg(feature = "test-profiles")]
    #[doc(hidden)]
    TestHybrid,
}

/// How the signing time is evidenced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Strategy {
    /// Self-declared `iat` (0.2.0: JAdES-B-B) — the default (criar input 6).
    #[default]
    Iat,
    /// RFC 3161 timestamp token in the unprotected header (0.2.0: JAdES-B-T).
    Tsa,
}

impl Strategy {
    /// Both strategies.
    pub const ALL: [Strategy; 2] = [Strategy::Iat, Strategy::Tsa];

    /// The strategy named `s` (`"iat"` or `"tsa"`, criar 1.3); anything else →
    /// `CONFIG.INVALID-STRATEGY`.
    pub fn from_name(s: &str) -> Result<Strategy> {
        Strategy::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                Error::new(
                    Code::ConfigInvalidStrategy,
                    format!("estratégia '{}' inválida: use 'iat' ou 'tsa'", truncate(s)),
                )
            })
    }

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

    /// The policy used for signing when none is given (D1).
    pub const DEFAULT: Policy = Policy::Ig012;

    /// The facts of this policy.
    pub fn profile(self) -> &'static PolicyProfile {
        match self {
            Policy::Ig002 => &profile::IG_002,
            Policy::Ig010 => &profile::IG_010,
            Policy::Ig012 => &profile::IG_012,
            Policy::Politica020 => &profile::POLITICA_020,
            #[cfg(feature = "test-profiles")]
            Policy::TestHybrid => &profile::TEST_HYBRID,
        }
    }

    /// The policies [`Policy::from_uri`] recognizes (with feature `test-profiles`, also
    /// the test-only ones).
    fn known() -> impl Iterator<Item = Policy> {
        let all = Policy::ALL.into_iter();
        #[cfg(feature = "test-profiles")]
        let all = all.chain([Policy::TestHybrid]);
        all
    }

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
        if !uri.starts_with("https://") {
            return Err(invalid("esperado URI absoluto https"));
        }
        if uri.bytes().any(|b| b <= b' ' || b == 0x7f) || uri.contains('#') {
            return Err(invalid("espaço, caractere de controle ou fragmento"));
        }
        let host_and_path = uri.get("https://".len()..).unwrap_or_default();
        if host_and_path.is_empty() || host_and_path.starts_with('/') {
            return Err(invalid("sem host"));
        }
        match uri.split_once('|') {
            // Family 0.1 form: `<base>|X.Y.Z`, exactly one `|`.
            Some((_, version)) => {
                if version.contains('|') {
                    return Err(invalid("mais de um '|'"));
                }
                if !is_semver(version) {
                    return Err(invalid("versão após '|' não é SemVer"));
                }
            }
            // 0.2.0 form: absolute https, no `|`, last path segment SemVer.
            None => {
                let last = uri.rsplit('/').next().unwrap_or("");
                if !is_semver(last) || uri.contains('?') {
                    return Err(invalid("último segmento do caminho não é SemVer"));
                }
            }
        }
        Policy::known().find(|p| p.uri() == uri).ok_or_else(|| {
            Error::new(
                Code::PolicyVersionUnsupported,
                format!("política de assinatura não suportada: '{}'", truncate(uri)),
            )
        })
    }

    /// The policy URI (exactly as written in `sigPId`).
    pub fn uri(self) -> &'static str {
        self.profile().uri
    }

    /// The family label (reports); algorithms read [`Policy::profile`].
    pub fn family(self) -> Family {
        self.profile().family
    }

    /// Canonicalization scheme (criar Etapas 3–6; IG-DIGEST §17.3).
    pub fn canonicalization(self) -> Canonicalization {
        self.profile().canonicalization
    }

    /// `Signature.sigFormat` (criar Etapa 14; §17.8).
    pub fn sig_format(self) -> &'static str {
        self.profile().formats.sig_format
    }

    /// `Signature.targetFormat` (criar Etapa 14; §17.8).
    pub fn target_format(self) -> &'static str {
        self.profile().formats.target_format
    }

    /// The supported policies and the signing default as JSON, for the bindings:
    /// `{"default":"<uri>","policies":[{"uri":…,"family":"0.1"|"0.2.0"},…]}`.
    pub fn catalog_json() -> String {
        use crate::json::write_escaped_str;
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(br#"{"default":"#);
        write_escaped_str(&mut out, Policy::DEFAULT.uri());
        out.extend_from_slice(br#","policies":["#);
        for (i, p) in Policy::ALL.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(br#"{"uri":"#);
            write_escaped_str(&mut out, p.uri());
            out.extend_from_slice(br#","family":"#);
            write_escaped_str(&mut out, p.profile().eligibility.as_str());
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
        String::from_utf8_lossy(&out).into_owned()
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
pub fn is_semver(s: &str) -> bool {
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

    #[test]
    fn profiles_are_consistent() {
        for p in Policy::known() {
            let f = p.profile();
            assert!(
                f.allows(HeaderMember::Alg) && f.allows(HeaderMember::X5c),
                "{p}"
            );
            assert!(
                f.allows(HeaderMember::SigPId) && f.allows(HeaderMember::Iat),
                "{p}"
            );
            assert_eq!(f.protected_members.first(), Some(&HeaderMember::Alg), "{p}");
            if f.revocation_refs == RRefsRule::Expected {
                assert_eq!(f.unprotected, UnprotectedForm::Flat, "{p}");
            }
            assert!(!f.strategies.is_empty(), "{p}");
        }
        let text = Policy::catalog_json();
        assert!(text.starts_with(r#"{"default":"https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2","policies":[{"uri":"#));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["default"], Policy::Ig012.uri());
        assert_eq!(json["policies"].as_array().unwrap().len(), 4);
        assert_eq!(json["policies"][3]["family"], "0.2.0");
    }
}
