//! The facts that differ between signature policies (DECISIONS D1; IG-DIGEST §2.3, §17),
//! as plain data. Every other crate reads these facts; none matches on a [`Policy`].
//!
//! [`Policy`]: super::Policy

use crate::Code;

/// Canonicalization scheme of a policy (criar Etapas 3–6; IG-DIGEST §17.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Canonicalization {
    /// RFC 8785 JSON Canonicalization Scheme (numbers re-serialized as ECMAScript doubles).
    Jcs,
    /// `fhir-json-lossless/0.2.0`: JCS ordering and escaping, number tokens verbatim.
    FhirJsonLossless,
}

/// How the canonical instances are framed into the SHA-256 content digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestFraming {
    /// `SHA-256(C_0 || C_1 || …)` (criar Etapas 5–6): references are not bound.
    Concatenated,
    /// `SHA-256(UINT64_BE(N) || for each: UINT64_BE(len T_i) || T_i || UINT64_BE(len R_i)
    /// || R_i)` (§17.4): `Provenance.target` references are bound.
    LengthPrefixed,
}

impl DigestFraming {
    /// Whether the digest binds the `Provenance.target` references (and so `fullUrl`).
    pub fn binds_references(self) -> bool {
        match self {
            DigestFraming::Concatenated => false,
            DigestFraming::LengthPrefixed => true,
        }
    }
}

/// Shape of the `sigPId` protected-header member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigPIdForm {
    /// `{"id":"<URI>"}` (policy 0.1).
    Flat,
    /// `{"id":{"id":"<URI>"}}` (policy 0.2.0, §17.5).
    Nested,
}

/// A member of the protected header. A profile lists the members it allows, in the
/// order they are written (criar Etapa 7; §17.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderMember {
    /// `alg` (always `RS256`).
    Alg,
    /// `x5t#S256`: base64url SHA-256 of the leaf DER; required when listed.
    X5tS256,
    /// `x5c`: the chain, standard Base64 DER, leaf first.
    X5c,
    /// `iat` (presence per [`IatRule`]).
    Iat,
    /// `sigPId` (shape per [`SigPIdForm`]).
    SigPId,
    /// `srCms`: exactly one commitment (the profile's `commitment_type`); required when
    /// listed.
    SrCms,
}

impl HeaderMember {
    /// The JSON member name.
    pub fn name(self) -> &'static str {
        match self {
            HeaderMember::Alg => "alg",
            HeaderMember::X5tS256 => "x5t#S256",
            HeaderMember::X5c => "x5c",
            HeaderMember::Iat => "iat",
            HeaderMember::SigPId => "sigPId",
            HeaderMember::SrCms => "srCms",
        }
    }
}

/// When the protected header carries `iat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IatRule {
    /// Only with strategy `iat`; exactly one of `iat` (protected) or `sigTst`
    /// (unprotected) evidences the time (policy 0.1).
    PerStrategy,
    /// Always (policy 0.2.0); the strategy is told by the unprotected header.
    Always,
}

/// The unprotected header: where the timestamp token (and `rRefs`) go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnprotectedForm {
    /// `{sigTst?, rRefs?}` directly (policy 0.1).
    Flat,
    /// None (B-B) or exactly `{"etsiU":[{"sigTst":{"tstTokens":[{"val":…}]}}]}` (B-T,
    /// §17.5).
    EtsiU,
}

/// What the RFC 3161 message imprint hashes (criar Etapa 12; §17.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TsaImprint {
    /// SHA-256 of the signature value bytes (policy 0.1).
    SignatureBytes,
    /// SHA-256 of the ASCII text of `signatures[0].signature` (policy 0.2.0).
    SignatureText,
}

/// The claimed time a timestamp's `genTime` must lie within ±300 s of, at validation
/// (criar Etapa 12; §17.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TsaTimeAnchor {
    /// `Signature.when`, the reference timestamp of signing (policy 0.1: strategy `tsa`
    /// carries no `iat`).
    SignatureWhen,
    /// `iat`, widened by the token's `accuracy` (policy 0.2.0: `iat` is always present).
    Iat,
}

/// Revocation references (`rRefs`) in the unprotected header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RRefsRule {
    /// Carried as LTV evidence; their absence is reported at validation (policy 0.1).
    /// Requires [`UnprotectedForm::Flat`].
    Expected,
    /// Refused (`FORMAT.JADES-UNPROTECTED-HEADER-INVALID`; policy 0.2.0).
    Forbidden,
}

impl RRefsRule {
    /// Whether `rRefs` may be carried (and their absence is reported).
    pub fn expected(self) -> bool {
        match self {
            RRefsRule::Expected => true,
            RRefsRule::Forbidden => false,
        }
    }
}

/// Which UUIDs `fullUrl`, `Provenance.target.reference` and `urn:uuid` references accept
/// (DECISIONS D8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UuidRule {
    /// Any version and variant of a hyphenated lower-case hexadecimal UUID (policy 0.1).
    AnyLowercaseHex,
    /// RFC 9562 versions 1–8, variant 10xx, lower case (policy 0.2.0).
    Rfc9562Lowercase,
}

impl UuidRule {
    /// Whether the version and variant nibbles are checked.
    pub fn strict(self) -> bool {
        match self {
            UuidRule::AnyLowercaseHex => false,
            UuidRule::Rfc9562Lowercase => true,
        }
    }
}

/// What signing does about `Provenance.agent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignerAgentRule {
    /// Leave the agents as given (policy 0.1).
    AsGiven,
    /// Require an agent whose `who.identifier` equals `Signature.who.identifier`; add
    /// one (type `attester`) when none does; validation reports its absence (policy
    /// 0.2.0, IG-DIGEST §17.8).
    EnsureSigner,
}

impl SignerAgentRule {
    /// Whether the signer must be among `Provenance.agent`.
    pub fn ensures_signer(self) -> bool {
        match self {
            SignerAgentRule::AsGiven => false,
            SignerAgentRule::EnsureSigner => true,
        }
    }
}

/// Which ICP-Brasil certificate types may sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertificateTypeRule {
    /// Any ICP-Brasil policy OID `2.16.76.1.*` (policy 0.1).
    AnyIcpBrasil,
    /// A3, A4, SE-S or SE-H only, with exactly one ICP-Brasil policy (policy 0.2.0,
    /// §17.7).
    SignatureAndSealTypes,
}

/// RSA key sizes accepted for the leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeySizeRule {
    /// At least 2048 bits (policy 0.1).
    AtLeast2048,
    /// Exactly 2048; A4 also 4096 (policy 0.2.0).
    Exact2048OrA4With4096,
}

/// The leaf-certificate eligibility rules of a policy (criar 2.5/2.6, validar 3.4–3.8,
/// IG-DIGEST §17.7). The named rule sets are [`EligibilityRule::V01`] and
/// [`EligibilityRule::V020`]; their facts are read through the methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EligibilityRule {
    /// Policy family 0.1.
    V01,
    /// Policy 0.2.0.
    V020,
}

impl EligibilityRule {
    /// Every rule set, in order.
    pub const ALL: [EligibilityRule; 2] = [EligibilityRule::V01, EligibilityRule::V020];

    /// `"0.1"` or `"0.2.0"` (the label in reports).
    pub fn as_str(self) -> &'static str {
        match self {
            EligibilityRule::V01 => "0.1",
            EligibilityRule::V020 => "0.2.0",
        }
    }

    /// Accepted certificate types.
    pub fn certificate_types(self) -> CertificateTypeRule {
        match self {
            EligibilityRule::V01 => CertificateTypeRule::AnyIcpBrasil,
            EligibilityRule::V020 => CertificateTypeRule::SignatureAndSealTypes,
        }
    }

    /// Accepted RSA key sizes.
    pub fn key_sizes(self) -> KeySizeRule {
        match self {
            EligibilityRule::V01 => KeySizeRule::AtLeast2048,
            EligibilityRule::V020 => KeySizeRule::Exact2048OrA4With4096,
        }
    }

    /// Whether keyUsage must include nonRepudiation (criar 2.5, policy 0.1).
    pub fn requires_non_repudiation(self) -> bool {
        match self {
            EligibilityRule::V01 => true,
            EligibilityRule::V020 => false,
        }
    }

    /// Whether a CA certificate (basicConstraints cA) is refused as signer.
    pub fn refuses_ca(self) -> bool {
        match self {
            EligibilityRule::V01 => false,
            EligibilityRule::V020 => true,
        }
    }

    /// Whether the identifier must match the certificate type (A3/A4 → CPF, SE-S/SE-H
    /// → CNPJ), all identity values must agree and check digits must be valid.
    pub fn identity_bound_to_type(self) -> bool {
        match self {
            EligibilityRule::V01 => false,
            EligibilityRule::V020 => true,
        }
    }
}

/// `Signature.sigFormat` and `Signature.targetFormat` (criar Etapa 14; §17.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignatureFormats {
    /// `Signature.sigFormat`.
    pub sig_format: &'static str,
    /// `Signature.targetFormat`.
    pub target_format: &'static str,
}

impl SignatureFormats {
    /// Policy family 0.1 (profile `assinatura-avancada` 0.1.x patterns).
    pub const POLICY_0_1: SignatureFormats = SignatureFormats {
        sig_format: "application/jose",
        target_format: "application/octet-stream",
    };
    /// Policy 0.2.0 (IG-DIGEST §17.8).
    pub const POLICY_0_2_0: SignatureFormats = SignatureFormats {
        sig_format: "application/jose+json",
        target_format: "application/fhir+json",
    };
}

/// A label for the published policy families (reports, test file names). Algorithms
/// read the profile's facts, never the family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// IG 0.0.2 / 0.1.0 / 0.1.2.
    V01,
    /// Policy 0.2.0.
    V020,
}

/// Everything that differs between signature policies, as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyProfile {
    /// The policy URI, exactly as written in `sigPId`.
    pub uri: &'static str,
    /// The family label.
    pub family: Family,
    /// Canonicalization scheme.
    pub canonicalization: Canonicalization,
    /// Root members removed before canonicalization.
    pub stripped_root: &'static [&'static str],
    /// `meta` members removed before canonicalization (`meta` dropped if left empty).
    pub stripped_meta: &'static [&'static str],
    /// Content-digest framing.
    pub digest_framing: DigestFraming,
    /// The protected-header members allowed, in the order they are written.
    pub protected_members: &'static [HeaderMember],
    /// Code of a protected-header member outside [`PolicyProfile::protected_members`].
    pub unknown_member_code: Code,
    /// `sigPId` shape.
    pub sig_p_id: SigPIdForm,
    /// `srCms` commitment type (written when `protected_members` lists `srCms`).
    pub commitment_type: &'static str,
    /// When `iat` is written and required.
    pub iat: IatRule,
    /// Unprotected-header container.
    pub unprotected: UnprotectedForm,
    /// What the timestamp's message imprint hashes.
    pub tsa_imprint: TsaImprint,
    /// What `genTime` is checked against at validation.
    pub tsa_time_anchor: TsaTimeAnchor,
    /// `rRefs` rule.
    pub revocation_refs: RRefsRule,
    /// Accepted timestamp strategies.
    pub strategies: &'static [super::Strategy],
    /// `Signature.sigFormat` / `targetFormat`.
    pub formats: SignatureFormats,
    /// UUID rule of references.
    pub uuids: UuidRule,
    /// `Provenance.agent` rule.
    pub signer_agent: SignerAgentRule,
    /// Leaf eligibility rules.
    pub eligibility: EligibilityRule,
}

impl PolicyProfile {
    /// Whether `member` is allowed in the protected header.
    pub fn allows(&self, member: HeaderMember) -> bool {
        self.protected_members.contains(&member)
    }
}

/// `srCms` commitment type of policy 0.2.0 (IG-DIGEST §17.5).
pub const COMMITMENT_TYPE_URN: &str = "urn:oid:1.2.840.10065.1.12.1.5";

const BOTH: &[super::Strategy] = &[super::Strategy::Iat, super::Strategy::Tsa];

const STRIP_ROOT_01: &[&str] = &["id"];
const STRIP_META_01: &[&str] = &["versionId", "lastUpdated", "source", "tag"];
const STRIP_ROOT_020: &[&str] = &["id", "_id"];
const STRIP_META_020: &[&str] = &[
    "versionId",
    "_versionId",
    "lastUpdated",
    "_lastUpdated",
    "source",
    "_source",
    "tag",
];
const HEADER_01: &[HeaderMember] = &[
    HeaderMember::Alg,
    HeaderMember::X5c,
    HeaderMember::Iat,
    HeaderMember::SigPId,
];
const HEADER_020: &[HeaderMember] = &[
    HeaderMember::Alg,
    HeaderMember::X5tS256,
    HeaderMember::X5c,
    HeaderMember::Iat,
    HeaderMember::SigPId,
    HeaderMember::SrCms,
];

/// The facts of the 0.1 family, for a given URI.
const fn family_01(uri: &'static str) -> PolicyProfile {
    PolicyProfile {
        uri,
        family: Family::V01,
        canonicalization: Canonicalization::Jcs,
        stripped_root: STRIP_ROOT_01,
        stripped_meta: STRIP_META_01,
        digest_framing: DigestFraming::Concatenated,
        protected_members: HEADER_01,
        unknown_member_code: Code::FormatJwsMalformed,
        sig_p_id: SigPIdForm::Flat,
        commitment_type: COMMITMENT_TYPE_URN,
        iat: IatRule::PerStrategy,
        unprotected: UnprotectedForm::Flat,
        tsa_imprint: TsaImprint::SignatureBytes,
        tsa_time_anchor: TsaTimeAnchor::SignatureWhen,
        revocation_refs: RRefsRule::Expected,
        strategies: BOTH,
        formats: SignatureFormats::POLICY_0_1,
        uuids: UuidRule::AnyLowercaseHex,
        signer_agent: SignerAgentRule::AsGiven,
        eligibility: EligibilityRule::V01,
    }
}

pub(super) static IG_002: PolicyProfile = family_01(
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.0.2",
);
pub(super) static IG_010: PolicyProfile = family_01(
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.0",
);
pub(super) static IG_012: PolicyProfile = family_01(
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2",
);
pub(super) static POLITICA_020: PolicyProfile = PolicyProfile {
    uri: "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0",
    family: Family::V020,
    canonicalization: Canonicalization::FhirJsonLossless,
    stripped_root: STRIP_ROOT_020,
    stripped_meta: STRIP_META_020,
    digest_framing: DigestFraming::LengthPrefixed,
    protected_members: HEADER_020,
    unknown_member_code: Code::FormatJadesComponentPlacementInvalid,
    sig_p_id: SigPIdForm::Nested,
    commitment_type: COMMITMENT_TYPE_URN,
    iat: IatRule::Always,
    unprotected: UnprotectedForm::EtsiU,
    tsa_imprint: TsaImprint::SignatureText,
    tsa_time_anchor: TsaTimeAnchor::Iat,
    revocation_refs: RRefsRule::Forbidden,
    strategies: BOTH,
    formats: SignatureFormats::POLICY_0_2_0,
    uuids: UuidRule::Rfc9562Lowercase,
    signer_agent: SignerAgentRule::EnsureSigner,
    eligibility: EligibilityRule::V020,
};

/// A test-only policy (feature `test-profiles`): the proof that a policy is one profile.
/// Flat `sigPId` and flat unprotected header like 0.1, lossless canonicalization and
/// framed digest like 0.2.0, `iat` always, no `x5t#S256`/`srCms`, no `rRefs`.
#[cfg(feature = "test-profiles")]
pub(super) static TEST_HYBRID: PolicyProfile = PolicyProfile {
    uri: "https://example.org/sesgo/politica-de-teste/9.9.9-teste",
    family: Family::V020,
    canonicalization: Canonicalization::FhirJsonLossless,
    stripped_root: STRIP_ROOT_020,
    stripped_meta: STRIP_META_020,
    digest_framing: DigestFraming::LengthPrefixed,
    protected_members: HEADER_01,
    unknown_member_code: Code::FormatJadesComponentPlacementInvalid,
    sig_p_id: SigPIdForm::Flat,
    commitment_type: COMMITMENT_TYPE_URN,
    iat: IatRule::Always,
    unprotected: UnprotectedForm::Flat,
    tsa_imprint: TsaImprint::SignatureText,
    tsa_time_anchor: TsaTimeAnchor::Iat,
    revocation_refs: RRefsRule::Forbidden,
    strategies: BOTH,
    formats: SignatureFormats::POLICY_0_2_0,
    uuids: UuidRule::Rfc9562Lowercase,
    signer_agent: SignerAgentRule::EnsureSigner,
    eligibility: EligibilityRule::V020,
};
