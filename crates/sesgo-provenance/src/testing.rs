//! Test support (feature `test-support`; never in a release artifact): a transfer Bundle
//! whose `x5c` holds only the signer's certificate, as other implementations may send it
//! (sesgo itself always writes the whole chain). The suites verify it by completing the
//! chain through AIA (issue 18; docs/adr/0055).

use sesgo_cert::{Credentials, Identity};
use sesgo_core::json::{parse_strict, Limits};
use sesgo_core::Result;
use sesgo_jades::{Policy, Strategy};

use crate::flow::{sign_set, SignRequest};
use crate::signature::SignerIdentifier;

/// Signs the instances `provenance` designates in `bundle` (JSON) with `creds`' key under
/// `policy` (strategy `iat`, reference time `reference_time`), putting only the leaf in
/// `x5c`; returns the transfer Bundle's exact bytes.
///
/// ```
/// let pki = sesgo_cert::testpki::TestPki::shared();
/// let creds = sesgo_cert::Credentials::from_pkcs12(&std::fs::read(&pki.p12_aes)?, &pki.password, None)?;
/// let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/");
/// let bundle = sesgo_provenance::testing::leaf_only_transfer_bundle(
///     &std::fs::read(format!("{ex}bundle.json"))?,
///     &std::fs::read(format!("{ex}provenance.json"))?,
///     &creds,
///     sesgo_jades::Policy::DEFAULT,
///     sesgo_cert::now_unix(),
/// )?;
/// assert!(std::str::from_utf8(&bundle)?.contains("\"Provenance\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn leaf_only_transfer_bundle(
    bundle: &[u8],
    provenance: &[u8],
    creds: &Credentials,
    policy: Policy,
    reference_time: i64,
) -> Result<Vec<u8>> {
    let bundle = parse_strict(bundle, &Limits::default())
        .map_err(|e| e.into_error("Bundle", sesgo_core::Code::FormatResourceTooLarge))?;
    let provenance = parse_strict(provenance, &Limits::default())
        .map_err(|e| e.into_error("Provenance", sesgo_core::Code::FormatResourceTooLarge))?;
    let leaf = creds.leaf().clone();
    let id = Identity::from_certificate(&leaf).signer_id()?;
    let mut refs = sesgo_refs::CheckOptions::for_policy(policy);
    refs.mode = sesgo_refs::Mode::Sign;
    let req = SignRequest {
        policy,
        strategy: Strategy::Iat,
        reference_time,
        chain_der: vec![leaf.der().to_vec()],
        who: SignerIdentifier::new(id.system, &id.value)?,
        refs,
    };
    let signed = sign_set(
        &bundle,
        &provenance,
        &req,
        |p| creds.sign_rs256(p.signing_input()),
        |_| Ok(()),
    )?;
    Ok(signed.bundle.to_json().into_bytes())
}
