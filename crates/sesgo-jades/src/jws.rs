//! JWS General JSON Serialization (RFC 7515 §7.2.1) with the JAdES header members of
//! each policy, and two-phase RS256 signing (criar Etapas 7–13; DECISIONS D4).

use crate::unprotected::{self, RevocationRefs};
use crate::verify;
use base64ct::{Base64UrlUnpadded, Encoding};
use sesgo_cert::crypto::{self, PublicKey, Rs256Signer};
use sesgo_cert::Certificate;
use sesgo_core::json::{parse_strict, write_escaped_str, Limits, Value};
use sesgo_core::policy::{HeaderMember, IatRule, Policy, SigPIdForm, Strategy};
use sesgo_core::{Code, Error, Result};

/// Inputs of the protected header (criar Etapa 7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderParams {
    /// The certificate chain as DER, leaf first (criar input 4 order).
    pub x5c_der: Vec<Vec<u8>>,
    /// The reference timestamp (NumericDate). Written as `iat` under 0.2.0 (required) and
    /// under 0.1 only with [`Strategy::Iat`] (required there, ignored with `Tsa`).
    pub iat: Option<i64>,
    /// Timestamp strategy.
    pub strategy: Strategy,
}

/// The state between the two signing phases: the exact bytes to sign.
///
/// `Send`, and serializable with [`Prepared::to_bytes`] / [`Prepared::from_bytes`] so a
/// foreign caller can hold it while an external signer works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    policy: Policy,
    strategy: Strategy,
    protected: String,
    payload: String,
    signing_input: Vec<u8>,
    leaf_key: PublicKey,
}

/// A signed JWS (JAdES) under one policy; serialize with [`Jws::to_json`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jws {
    policy: Policy,
    strategy: Strategy,
    protected: String,
    payload: String,
    signature: String,
    timestamp_token: Option<Vec<u8>>,
    revocation_refs: RevocationRefs,
}

/// Builds the protected header and signing input (criar Etapas 7–9).
///
/// Fails with `CERT.INVALID-FORMAT` (empty chain, undecodable certificate),
/// `CERT.UNSUPPORTED-ALGORITHM` (leaf key not RSA), `TEMPORAL.IAT-MISSING` /
/// `TEMPORAL.IAT-INVALID` (`iat` required by the policy and strategy, or not positive).
pub fn prepare(policy: Policy, params: &HeaderParams, digest: &[u8; 32]) -> Result<Prepared> {
    // criar Etapa 2.1 (only what the header needs: DER certificates, an RSA leaf key; an
    // empty chain is refused by `prepare_chain`).
    let mut chain = Vec::with_capacity(params.x5c_der.len());
    for (i, der) in params.x5c_der.iter().enumerate() {
        chain.push(Certificate::from_der(der).map_err(|e| e.at(format!("x5c[{i}]")))?);
    }
    prepare_chain(policy, &chain, params.iat, params.strategy, digest)
}

/// As [`prepare`], for a chain its caller has already parsed (the facade signs with the
/// chain it validated): `x5c` is written from each certificate's DER, and nothing is
/// parsed again.
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::Certificate;
/// use sesgo_jades::{prepare, prepare_chain, HeaderParams, Policy, Strategy};
/// let ders = vec![pki.ecpf.der.clone(), pki.ac2.der.clone(), pki.ac1.der.clone()];
/// let chain: Vec<Certificate> = ders.iter().map(|d| Certificate::from_der(d).unwrap()).collect();
/// let digest = [7u8; 32];
/// let a = prepare_chain(Policy::Ig012, &chain, Some(1_760_000_000), Strategy::Iat, &digest).unwrap();
/// let params = HeaderParams { x5c_der: ders, iat: Some(1_760_000_000), strategy: Strategy::Iat };
/// assert_eq!(a, prepare(Policy::Ig012, &params, &digest).unwrap());
/// ```
pub fn prepare_chain(
    policy: Policy,
    chain: &[Certificate],
    iat: Option<i64>,
    strategy: Strategy,
    digest: &[u8; 32],
) -> Result<Prepared> {
    let profile = policy.profile();
    let Some(leaf) = chain.first() else {
        return Err(Error::new(
            Code::CertInvalidFormat,
            "cadeia de certificados (x5c) vazia",
        )
        .at("x5c"));
    };
    let leaf_key = verify::leaf_key_of(leaf).map_err(|e| e.at("x5c[0]"))?;

    // criar Etapa 7 / 7.4: iat per the profile's rule (0.1: strategy iat only; 0.2.0: always).
    let iat_wanted = match profile.iat {
        IatRule::PerStrategy => strategy == Strategy::Iat,
        IatRule::Always => true,
    };
    let iat = match (iat_wanted, iat) {
        (false, _) => None,
        (true, None) => {
            return Err(Error::new(
                Code::TemporalIatMissing,
                format!(
                    "'iat' obrigatório para a política {policy} com a estratégia {}",
                    strategy.as_str()
                ),
            )
            .at("iat"))
        }
        (true, Some(t)) if t <= 0 => {
            return Err(Error::new(
                Code::TemporalIatInvalid,
                format!("'iat' deve ser um inteiro positivo: {t}"),
            )
            .at("iat"))
        }
        (true, Some(t)) => Some(t),
    };

    let mut h = Vec::with_capacity(
        256 + chain
            .iter()
            .map(|c| c.der().len() * 4 / 3 + 4)
            .sum::<usize>(),
    );
    // The profile's members, in its order (Etapa 7; §17.5).
    h.push(b'{');
    let mut first = true;
    for member in profile.protected_members {
        if *member == HeaderMember::Iat && iat.is_none() {
            continue;
        }
        if !first {
            h.push(b',');
        }
        first = false;
        write_escaped_str(&mut h, member.name());
        h.push(b':');
        match member {
            HeaderMember::Alg => write_escaped_str(&mut h, "RS256"),
            HeaderMember::X5tS256 => {
                write_escaped_str(&mut h, &Base64UrlUnpadded::encode_string(&leaf.sha256()));
            }
            HeaderMember::X5c => {
                h.push(b'[');
                for (i, cert) in chain.iter().enumerate() {
                    if i > 0 {
                        h.push(b',');
                    }
                    write_escaped_str(&mut h, &sesgo_core::base64::encode_standard(cert.der()));
                }
                h.push(b']');
            }
            HeaderMember::Iat => {
                if let Some(t) = iat {
                    h.extend_from_slice(t.to_string().as_bytes());
                }
            }
            HeaderMember::SigPId => match profile.sig_p_id {
                SigPIdForm::Flat => {
                    h.extend_from_slice(br#"{"id":"#);
                    write_escaped_str(&mut h, policy.uri());
                    h.push(b'}');
                }
                SigPIdForm::Nested => {
                    h.extend_from_slice(br#"{"id":{"id":"#);
                    write_escaped_str(&mut h, policy.uri());
                    h.extend_from_slice(b"}}");
                }
            },
            HeaderMember::SrCms => {
                h.extend_from_slice(br#"[{"commId":{"id":"#);
                write_escaped_str(&mut h, profile.commitment_type);
                h.extend_from_slice(b"}}]");
            }
        }
    }
    h.push(b'}');

    let protected = sesgo_core::base64::encode_url(&h); // Etapa 7 (encoding)
    let payload = crate::payload_b64(digest); // Etapa 8
    Ok(Prepared::assemble(
        policy, strategy, protected, payload, leaf_key,
    ))
}

impl Prepared {
    fn assemble(
        policy: Policy,
        strategy: Strategy,
        protected: String,
        payload: String,
        leaf_key: PublicKey,
    ) -> Prepared {
        // criar Etapa 9: ASCII(protected + "." + payload).
        let mut signing_input = Vec::with_capacity(protected.len() + 1 + payload.len());
        signing_input.extend_from_slice(protected.as_bytes());
        signing_input.push(b'.');
        signing_input.extend_from_slice(payload.as_bytes());
        Prepared {
            policy,
            strategy,
            protected,
            payload,
            signing_input,
            leaf_key,
        }
    }

    /// The exact bytes to sign with RS256 (criar Etapa 9).
    pub fn signing_input(&self) -> &[u8] {
        &self.signing_input
    }

    /// SHA-256 of [`Prepared::signing_input`], for signers that take a pre-hashed input
    /// (PKCS#11 `CKM_RSA_PKCS` with a DigestInfo, cloud KMS "digest" APIs).
    pub fn signing_input_sha256(&self) -> [u8; 32] {
        crypto::sha256(&self.signing_input)
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The strategy.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The base64url protected header.
    pub fn protected_b64(&self) -> &str {
        &self.protected
    }

    /// The payload (base64url content digest).
    pub fn payload_b64(&self) -> &str {
        &self.payload
    }

    /// Serializes the state (a small JSON document, UTF-8).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.signing_input.len() + 200);
        out.extend_from_slice(br#"{"sesgoJadesPrepared":1,"policy":"#);
        write_escaped_str(&mut out, self.policy.uri());
        out.extend_from_slice(br#","strategy":"#);
        write_escaped_str(&mut out, self.strategy.as_str());
        out.extend_from_slice(br#","protected":"#);
        write_escaped_str(&mut out, &self.protected);
        out.extend_from_slice(br#","payload":"#);
        write_escaped_str(&mut out, &self.payload);
        out.push(b'}');
        out
    }

    /// Restores a state written by [`Prepared::to_bytes`]. The protected header is
    /// re-checked exactly as verification would (validar §2), so a tampered state is
    /// refused (`FORMAT.JWS-MALFORMED` or the header's own code).
    pub fn from_bytes(bytes: &[u8]) -> Result<Prepared> {
        let bad = |why: &str| {
            Error::new(
                Code::FormatJwsMalformed,
                format!("estado de assinatura inválido: {why}"),
            )
        };
        let limits = Limits {
            max_bytes: 1 << 22,
            max_depth: 4,
        };
        let v = parse_strict(bytes, &limits).map_err(|e| bad(&e.to_string()))?;
        let o = v.as_object().ok_or_else(|| bad("não é um objeto"))?;
        if o.len() != 5 || v.get("sesgoJadesPrepared").and_then(Value::as_u64) != Some(1) {
            return Err(bad("membros inesperados ou versão desconhecida"));
        }
        let s = |k: &str| v.get(k).and_then(Value::as_str).ok_or_else(|| bad(k));
        let policy = Policy::from_uri(s("policy")?)?;
        let strategy = match s("strategy")? {
            "iat" => Strategy::Iat,
            "tsa" => Strategy::Tsa,
            _ => return Err(bad("strategy")),
        };
        let protected = s("protected")?.to_owned();
        let payload = s("payload")?.to_owned();
        match verify::b64url(&payload) {
            Some(d) if d.len() == 32 => {}
            _ => return Err(bad("payload")),
        }
        let mut findings = Vec::new();
        let header =
            verify::check_protected(&protected, Some(policy), None, "protected", &mut findings);
        if let Some(e) = Error::from_findings(findings) {
            return Err(e);
        }
        let header = header.ok_or_else(|| bad("protected"))?;
        let iat_matches = match policy.profile().iat {
            IatRule::PerStrategy => header.iat.is_some() == (strategy == Strategy::Iat),
            IatRule::Always => true,
        };
        if header.policy != Some(policy) || !iat_matches {
            return Err(bad("política ou estratégia não correspondem ao cabeçalho"));
        }
        let leaf_key = header.leaf_key.ok_or_else(|| bad("x5c"))?;
        Ok(Prepared::assemble(
            policy, strategy, protected, payload, leaf_key,
        ))
    }
}

/// Completes a two-phase signature (criar Etapas 10.4–11): checks `signature` (RS256,
/// raw PKCS#1 v1.5 bytes) against the leaf public key of `x5c[0]` and builds the JWS.
/// A signature that does not verify → `CRYPTO.SIGNATURE-CREATION-FAILED`.
pub fn complete(prepared: Prepared, signature: &[u8]) -> Result<Jws> {
    let hash = prepared.signing_input_sha256();
    if !prepared.leaf_key.verify_rs256_digest(&hash, signature) {
        return Err(Error::new(
            Code::CryptoSignatureCreationFailed,
            "a assinatura fornecida não confere com a chave pública do certificado x5c[0]",
        )
        .at("signatures[0].signature"));
    }
    Ok(Jws {
        policy: prepared.policy,
        strategy: prepared.strategy,
        protected: prepared.protected,
        payload: prepared.payload,
        signature: sesgo_core::base64::encode_url(signature),
        timestamp_token: None,
        revocation_refs: RevocationRefs::default(),
    })
}

/// Signs with a local key (criar Etapa 10.4; an [`Rs256Signer`] from
/// [`sesgo_cert::crypto`], blinded) and completes.
///
/// ```no_run
/// # fn f(key: sesgo_cert::crypto::PrivateKey, chain: Vec<Vec<u8>>, digest: [u8; 32]) -> sesgo_core::Result<()> {
/// use sesgo_jades::{prepare, sign_with, HeaderParams, Policy, Strategy};
/// let p = prepare(Policy::Ig012, &HeaderParams { x5c_der: chain, iat: Some(1_760_000_000), strategy: Strategy::Iat }, &digest)?;
/// let json = sign_with(p, &key)?.to_json()?;
/// # Ok(()) }
/// ```
pub fn sign_with(prepared: Prepared, key: &(impl Rs256Signer + ?Sized)) -> Result<Jws> {
    let hash = prepared.signing_input_sha256();
    let sig = key.sign_rs256_digest(&hash)?;
    complete(prepared, &sig)
}

impl Jws {
    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The strategy.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// `signatures[0].protected`.
    pub fn protected_b64(&self) -> &str {
        &self.protected
    }

    /// `payload`.
    pub fn payload_b64(&self) -> &str {
        &self.payload
    }

    /// `signatures[0].signature` (base64url).
    pub fn signature_b64(&self) -> &str {
        &self.signature
    }

    /// The RFC 3161 message imprint (SHA-256) the TSA must timestamp (criar Etapa 12):
    /// policy 0.1 hashes the signature value bytes; 0.2.0 hashes the ASCII text of
    /// `signatures[0].signature` (§17.6).
    pub fn tsa_message_imprint(&self) -> [u8; 32] {
        verify::tsa_imprint(self.policy, &self.signature)
    }

    /// Attaches the DER TimeStampToken (strategy `tsa` only; criar Etapa 13 / §17.5).
    /// Under strategy `iat` → `VALIDATION.TIMESTAMP-STRATEGY-INVALID`.
    pub fn attach_timestamp_token(&mut self, token_der: Vec<u8>) -> Result<()> {
        if self.strategy != Strategy::Tsa {
            return Err(Error::new(
                Code::ValidationTimestampStrategyInvalid,
                "carimbo do tempo só se aplica à estratégia tsa",
            ));
        }
        if token_der.is_empty() {
            return Err(Error::new(Code::TsaInvalidToken, "TimeStampToken vazio"));
        }
        self.timestamp_token = Some(token_der);
        Ok(())
    }

    /// Sets the `rRefs` of policy 0.1 (criar Etapa 13). Policy 0.2.0 forbids them
    /// (`FORMAT.JADES-UNPROTECTED-HEADER-INVALID`).
    pub fn set_revocation_refs(&mut self, refs: RevocationRefs) -> Result<()> {
        if !self.policy.profile().revocation_refs.expected() && !refs.is_empty() {
            return Err(Error::new(
                Code::FormatJadesUnprotectedHeaderInvalid,
                "a política 0.2.0 não admite rRefs no cabeçalho não protegido",
            ));
        }
        self.revocation_refs = refs;
        Ok(())
    }

    /// The final JWS, compact JSON (criar Etapa 13). Strategy `tsa` without an attached
    /// token → `TSA.INVALID-TOKEN`.
    pub fn to_json(&self) -> Result<String> {
        if self.strategy == Strategy::Tsa && self.timestamp_token.is_none() {
            return Err(Error::new(
                Code::TsaInvalidToken,
                "estratégia tsa: nenhum TimeStampToken anexado",
            ));
        }
        let mut o = Vec::with_capacity(self.protected.len() + self.signature.len() + 256);
        o.extend_from_slice(br#"{"payload":"#);
        write_escaped_str(&mut o, &self.payload);
        o.extend_from_slice(br#","signatures":[{"protected":"#);
        write_escaped_str(&mut o, &self.protected);
        o.extend_from_slice(br#","signature":"#);
        write_escaped_str(&mut o, &self.signature);
        unprotected::write_header(
            &mut o,
            self.policy.profile().unprotected,
            self.timestamp_token.as_deref(),
            &self.revocation_refs,
        );
        o.extend_from_slice(b"}]}");
        // Only escaped UTF-8 strings and ASCII were written.
        String::from_utf8(o).map_err(|_| Error::new(Code::FormatJwsMalformed, "UTF-8 inválido"))
    }
}
