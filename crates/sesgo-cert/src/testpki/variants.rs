//! Chains that break exactly one RFC 5280 path-validation rule (ADR 0030), derived from a
//! [`TestPki`]: same keys, same DNs, one changed certificate per chain.
//!
//! CA variants are re-issued by the real parent CA for the *same key and DN* as the original, so
//! the untouched certificates below them still verify. Two variants cannot be made by `openssl`
//! and are re-encoded with `x509-cert` and re-signed with the issuer's key (the crypto boundary): a duplicate
//! extension and an outer `signatureAlgorithm` that differs from `TBSCertificate.signature`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use der::asn1::BitString;
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;

use super::{gen_time, io, Gen, GenResult, TestPki, DN_AC1, DN_AC2};
use crate::cert::oids;
use crate::crypto::{HashAlg, PrivateKey, SignatureScheme};

/// A chain as DER certificates, leaf first, test root last (`x5c` order).
pub type DerChain = Vec<Vec<u8>>;

/// Chains for the RFC 5280 rules of `validate_chain`; each differs from [`ChainVariants::valid`]
/// in one certificate and breaks exactly the rule its name says (or, for the `*_ok` ones, none).
/// The expected code and `x5c[i]` location are in the field docs.
#[derive(Debug, Clone)]
pub struct ChainVariants {
    /// Output directory.
    pub dir: PathBuf,
    /// The untouched chain: e-CPF, AC2, AC1, root.
    pub valid: DerChain,
    /// Leaf with a critical extension `1.3.6.1.4.1.99999.77.1`: `CERT.CHAIN-VALIDATION-FAILED` at `x5c[0]`.
    pub unknown_critical_leaf: DerChain,
    /// AC2 with a critical extension `1.3.6.1.4.1.99999.77.2`: `CERT.CHAIN-VALIDATION-FAILED` at `x5c[1]`.
    pub unknown_critical_intermediate: DerChain,
    /// Leaf with certificatePolicies twice (re-signed): `CERT.INVALID-FORMAT` at `x5c[0]`.
    pub duplicate_extension: DerChain,
    /// Leaf whose outer signatureAlgorithm is sha384WithRSA while TBSCertificate.signature is
    /// sha256WithRSA (signature made with SHA-384, so it verifies): `CERT.INVALID-FORMAT` at `x5c[0]`.
    pub signature_algorithm_mismatch: DerChain,
    /// AC2 with basicConstraints cA=FALSE: `CERT.CHAIN-VALIDATION-FAILED` at `x5c[1]`.
    pub intermediate_not_ca: DerChain,
    /// AC2 whose keyUsage lacks keyCertSign: `CERT.CHAIN-VALIDATION-FAILED` at `x5c[1]`.
    pub ca_without_key_cert_sign: DerChain,
    /// AC1 with pathLenConstraint 0 above AC2: `CERT.CHAIN-VALIDATION-FAILED` at `x5c[2]`.
    pub path_len_exceeded: DerChain,
    /// AC2 whose nameConstraints exclude `C=BR, O=ICP-Brasil, OU=AC TESTE Assinatura G1`
    /// (written in another case and spacing): `CERT.CHAIN-VALIDATION-FAILED` at `x5c[0]`.
    pub name_constraints_excluded_dn: DerChain,
    /// AC2 whose nameConstraints exclude e-mail host `example.com` (the leaf's SAN
    /// `fulano.teste@example.com`): `CERT.CHAIN-VALIDATION-FAILED` at `x5c[0]`.
    pub name_constraints_excluded_email: DerChain,
    /// AC2 with a critical iPAddress name constraint: `CERT.CHAIN-VALIDATION-FAILED` at `x5c[1]`.
    pub name_constraints_unsupported_form: DerChain,
    /// AC2 valid 2020-01-01 → 2021-01-01: `CERT.EXPIRED` at `x5c[1]`.
    pub expired_intermediate: DerChain,
    /// AC2 valid from one year after generation: `CERT.NOT-YET-VALID` at `x5c[1]`.
    pub not_yet_valid_intermediate: DerChain,
    /// Leaf with basicConstraints cA=TRUE: `CERT.CHAIN-VALIDATION-FAILED` at `x5c[0]`.
    pub leaf_is_ca: DerChain,
    /// AC2 with policyConstraints requireExplicitPolicy 0 on an ICP-Brasil-shaped chain (AC1's
    /// policy does not cover AC2's): `CERT.CHAIN-VALIDATION-FAILED` at `x5c[0]`.
    pub require_explicit_policy: DerChain,
    /// Valid: AC2 with critical nameConstraints the leaf satisfies (permitted `C=BR,
    /// O=ICP-Brasil`, e-mail `example.com` / `.example.org`; excluded another OU).
    pub name_constraints_permitted_ok: DerChain,
    /// Valid: AC2 with critical inhibitAnyPolicy 0 and policyConstraints inhibitPolicyMapping 0.
    pub inhibit_any_policy_ok: DerChain,
}

static SHARED: OnceLock<ChainVariants> = OnceLock::new();

impl ChainVariants {
    /// Variants of [`TestPki::shared`], generated once per process.
    ///
    /// # Panics
    /// If generation fails (no `openssl` CLI). Test support only.
    pub fn shared() -> &'static ChainVariants {
        SHARED.get_or_init(|| match ChainVariants::generate(TestPki::shared()) {
            Ok(v) => v,
            Err(e) => panic!("chain variant generation failed: {e}"),
        })
    }

    /// Generates the variants of `pki` into `pki.dir/variants-<n>` (reusing its keys).
    pub fn generate(pki: &TestPki) -> GenResult<ChainVariants> {
        let n = super::COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = pki.dir.join(format!("variants-{n}"));
        let g = Gen::new(&dir)?;
        // distinct serials from the base PKI's
        std::fs::write(dir.join("ca-root/serial"), "9100\n").map_err(io)?;
        std::fs::write(dir.join("ca-ac1/serial"), "9200\n").map_err(io)?;
        std::fs::write(dir.join("ca-ac2/serial"), "9300\n").map_err(io)?;
        let base = &pki.dir;
        for ca in ["ca-root", "ca-ac1", "ca-ac2"] {
            for f in ["key.pem", "cert.pem"] {
                copy(&base.join(ca).join(f), &dir.join(ca).join(f))?;
            }
        }
        for leaf in ["ecpf-unknown-critical", "ecpf-ca"] {
            copy(
                &base.join("ee/ecpf.key"),
                &dir.join(format!("ee/{leaf}.key")),
            )?;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);

        let (leaf, ac2, ac1, root) = (&pki.ecpf.der, &pki.ac2.der, &pki.ac1.der, &pki.root.der);
        let chain = |l: &[u8], a2: &[u8], a1: &[u8]| {
            vec![l.to_vec(), a2.to_vec(), a1.to_vec(), root.clone()]
        };
        let ac2_variant = |ext: &str, dates: Option<(&str, &str)>| -> GenResult<Vec<u8>> {
            g.reissue_ca("ca_ac1", DN_AC2, "ca-ac2/key.pem", ext, dates)
        };

        let unknown_leaf = g
            .issue(
                "ecpf-unknown-critical",
                "FULANO DE TAL DA SILVA:12345678909",
                "ext_ecpf_unknown_critical",
                None,
            )?
            .der;
        let leaf_ca = g
            .issue(
                "ecpf-ca",
                "FULANO DE TAL DA SILVA:12345678909",
                "ext_ecpf_ca",
                None,
            )?
            .der;
        let ac2_key = base.join("ca-ac2/key.pem");
        let duplicate = resign(leaf, &ac2_key, None, |tbs| {
            if let Some(exts) = tbs.extensions.as_mut() {
                if let Some(p) = exts
                    .iter()
                    .find(|e| e.extn_id == oids::CERTIFICATE_POLICIES)
                    .cloned()
                {
                    exts.push(p);
                }
            }
        })?;
        let mismatch = resign(
            leaf,
            &ac2_key,
            Some(AlgorithmIdentifierOwned {
                oid: oids::SHA384_WITH_RSA,
                parameters: Some(der::Any::null()),
            }),
            |_| {},
        )?;
        let ac1_pathlen0 = g.reissue_ca(
            "ca_root",
            DN_AC1,
            "ca-ac1/key.pem",
            "ext_ac1_pathlen0",
            None,
        )?;
        let (old_s, old_e) = (gen_time(1_577_836_800), gen_time(1_609_459_200));
        let (new_s, new_e) = (gen_time(now + 365 * 86_400), gen_time(now + 730 * 86_400));

        Ok(ChainVariants {
            valid: chain(leaf, ac2, ac1),
            unknown_critical_leaf: chain(&unknown_leaf, ac2, ac1),
            unknown_critical_intermediate: chain(
                leaf,
                &ac2_variant("ext_ac2_unknown_critical", None)?,
                ac1,
            ),
            duplicate_extension: chain(&duplicate, ac2, ac1),
            signature_algorithm_mismatch: chain(&mismatch, ac2, ac1),
            intermediate_not_ca: chain(leaf, &ac2_variant("ext_ac2_not_ca", None)?, ac1),
            ca_without_key_cert_sign: chain(
                leaf,
                &ac2_variant("ext_ac2_no_keycertsign", None)?,
                ac1,
            ),
            path_len_exceeded: chain(leaf, ac2, &ac1_pathlen0),
            name_constraints_excluded_dn: chain(
                leaf,
                &ac2_variant("ext_ac2_nc_excluded_dn", None)?,
                ac1,
            ),
            name_constraints_excluded_email: chain(
                leaf,
                &ac2_variant("ext_ac2_nc_excluded_email", None)?,
                ac1,
            ),
            name_constraints_unsupported_form: chain(
                leaf,
                &ac2_variant("ext_ac2_nc_unsupported", None)?,
                ac1,
            ),
            expired_intermediate: chain(
                leaf,
                &ac2_variant("ext_ac2", Some((&old_s, &old_e)))?,
                ac1,
            ),
            not_yet_valid_intermediate: chain(
                leaf,
                &ac2_variant("ext_ac2", Some((&new_s, &new_e)))?,
                ac1,
            ),
            leaf_is_ca: chain(&leaf_ca, ac2, ac1),
            require_explicit_policy: chain(
                leaf,
                &ac2_variant("ext_ac2_require_explicit", None)?,
                ac1,
            ),
            name_constraints_permitted_ok: chain(
                leaf,
                &ac2_variant("ext_ac2_nc_permitted", None)?,
                ac1,
            ),
            inhibit_any_policy_ok: chain(leaf, &ac2_variant("ext_ac2_inhibit_any", None)?, ac1),
            dir,
        })
    }
}

fn copy(from: &Path, to: &Path) -> GenResult<()> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copy {} → {}: {e}", from.display(), to.display()))
}

impl Gen {
    /// Re-issues a CA certificate for `key` / `dn` from CA section `issuer` with extension
    /// section `ext`; returns its DER.
    fn reissue_ca(
        &self,
        issuer: &str,
        dn: &str,
        key: &str,
        ext: &str,
        dates: Option<(&str, &str)>,
    ) -> GenResult<Vec<u8>> {
        let csr = format!("{ext}.csr");
        let base = format!("{ext}-{}", dates.map(|d| d.0).unwrap_or("now"));
        let pem = format!("{base}.pem");
        self.run(&[
            "req",
            "-config",
            "openssl-icp.cnf",
            "-new",
            "-key",
            key,
            "-subj",
            dn,
            "-out",
            &csr,
        ])?;
        let mut args = vec![
            "ca",
            "-config",
            "openssl-icp.cnf",
            "-name",
            issuer,
            "-batch",
            "-notext",
            "-extensions",
            ext,
            "-in",
            &csr,
            "-out",
            &pem,
        ];
        match dates {
            Some((s, e)) => args.extend_from_slice(&["-startdate", s, "-enddate", e]),
            None => args.extend_from_slice(&["-days", "2900"]),
        }
        self.run(&args)?;
        Ok(self.cert(&base)?.der)
    }
}

/// Decodes `der`, applies `edit` to its TBSCertificate, optionally replaces the outer
/// signatureAlgorithm, and signs the TBS again with `issuer_key` (PKCS#8 PEM, RSA) using the
/// hash of the outer algorithm.
fn resign(
    der: &[u8],
    issuer_key: &Path,
    outer: Option<AlgorithmIdentifierOwned>,
    edit: impl FnOnce(&mut x509_cert::TbsCertificate),
) -> GenResult<Vec<u8>> {
    let mut cert = x509_cert::Certificate::from_der(der).map_err(io)?;
    edit(&mut cert.tbs_certificate);
    if let Some(alg) = outer {
        cert.signature_algorithm = alg;
    }
    let tbs = cert.tbs_certificate.to_der().map_err(io)?;
    let pem = std::fs::read_to_string(issuer_key).map_err(io)?;
    let key = PrivateKey::from_pkcs8_pem(&pem).map_err(io)?;
    let alg = cert.signature_algorithm.oid;
    let hash = if alg == oids::SHA256_WITH_RSA {
        HashAlg::Sha256
    } else if alg == oids::SHA384_WITH_RSA {
        HashAlg::Sha384
    } else if alg == oids::SHA512_WITH_RSA {
        HashAlg::Sha512
    } else {
        return Err(format!("resign: unsupported algorithm {alg}"));
    };
    let sig = key
        .sign(SignatureScheme::Pkcs1v15(hash), &tbs)
        .map_err(io)?;
    cert.signature = BitString::from_bytes(&sig).map_err(io)?;
    cert.to_der().map_err(io)
}
