//! RFC 3161 time stamps in the facade (issue 20; ADR 0049): the TSA client of criar
//! Etapa 12 over the fetch layer, and the time window a token must fall in (Etapa 12,
//! IG-DIGEST §17.6), shared by signing and by the verify stage `time`.

use crate::settings::{Settings, MAX_CLOCK_SKEW_SECS};
use crate::signer::TrustStore;
use sesgo_cert::tsp::{
    token_from_response, validate_token, Imprint, TimeStamp, TimeStampRequest, TokenCheck,
};
use sesgo_cert::Certificate;
use sesgo_core::{Code, Error, Finding, Result, Severity};
use sesgo_fetch::{Fetch, FetchError, Method, Purpose, Request};
use sesgo_jades::Jws;
use std::time::Duration;

/// Largest `TimeStampResp` accepted (a token with its certificate chain is a few KiB).
const MAX_RESPONSE_BYTES: u64 = 1 << 20;

/// Whether `s` is a dotted OID (at least two arcs).
pub(crate) fn is_oid(s: &str) -> bool {
    s.split('.').count() >= 2
        && s.split('.')
            .all(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
        && const_oid_ok(s)
}

fn const_oid_ok(s: &str) -> bool {
    TimeStampRequest::with_nonce([0; 32], Some(s), &[1]).is_ok()
}

/// The host of an absolute `http(s)://` URL (without port, brackets kept for IPv6).
fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(end) = authority.find(']') {
        &authority[..=end]
    } else {
        authority.split(':').next().unwrap_or("")
    }
}

/// criar 1.3 / input 8: the TSA URL is an absolute `https://` URL (RFC 3986), else
/// `CONFIG.TSA-URL-INVALID`.
pub(crate) fn check_url(url: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::new(
            Code::ConfigTsaUrlInvalid,
            format!("tsaUrl '{url}' inválida: {why}"),
        ))
    };
    match url.strip_prefix("https://") {
        Some(rest) if !host_of(rest).is_empty() => Ok(()),
        Some(_) => bad("sem host"),
        None => bad("a TSA deve usar https://host/…"),
    }
}

/// criar 1.3: strategy `tsa` needs `tsaUrl` (`CONFIG.MISSING-PARAMETER`: CodeSystem
/// 0.1.2 has no `CONFIG.TSA-CONFIG-MISSING`, docs/adr/0004), an acceptable URL
/// (`CONFIG.TSA-URL-INVALID`).
pub(crate) fn require_configured(settings: &Settings) -> Result<()> {
    match settings.tsa_url.as_deref() {
        None => Err(Error::new(
            Code::ConfigMissingParameter,
            "estratégia 'tsa' exige uma TSA configurada (tsaUrl)",
        )
        .at("tsaUrl")),
        Some(u) => check_url(u),
    }
}

/// The TSA trust anchors: `tsaTrustStore` when configured, else the signer trust store.
pub(crate) fn tsa_trust(settings: &Settings, trust: &TrustStore) -> Result<TrustStore> {
    match &settings.tsa_trust_store {
        Some(o) => o.build().map_err(|e| e.nested_in("tsaTrustStore")),
        None => Ok(trust.clone()),
    }
}

/// Maps a transport failure to `TSA.UNAVAILABLE` (the guide's code for a TSA that could
/// not be reached or did not answer in time).
fn unavailable(e: &FetchError) -> Error {
    Error::new(Code::TsaUnavailable, format!("TSA indisponível: {e}"))
}

/// criar Etapa 12 (strategy `tsa`): asks the TSA at `settings.tsa_url` for a token over
/// the JWS's imprint (per the policy), validates the response and the token (status,
/// CMS signature, critical `timeStamping` EKU, chain to the TSA anchors, imprint, nonce,
/// policy), checks `genTime` against the reference time and the signer chain, and
/// attaches the token. Returns the validated time stamp.
pub(crate) fn timestamp(
    jws: &mut Jws,
    settings: &Settings,
    trust: &TrustStore,
    fetch: &dyn Fetch,
    reference_time: i64,
    signer_chain: &[Certificate],
) -> Result<TimeStamp> {
    require_configured(settings)?;
    let url = settings.tsa_url.as_deref().unwrap_or_default();
    let anchors = tsa_trust(settings, trust)?;
    let imprint = jws.tsa_message_imprint();
    let req = TimeStampRequest::new(imprint, settings.tsa_policy.as_deref())?;
    let resp = fetch
        .fetch(&Request {
            method: Method::Post,
            url,
            purpose: Purpose::Tsa,
            content_type: Some("application/timestamp-query"),
            accept: Some("application/timestamp-reply"),
            headers: &[],
            body: Some(&req.der),
            max_bytes: MAX_RESPONSE_BYTES,
            timeout: Duration::from_secs(settings.tsa_timeout_secs.into()),
            client_identity: None,
        })
        .map_err(|e| unavailable(&e))?;
    if resp.status != 200 {
        return Err(Error::new(
            Code::TsaUnavailable,
            format!("TSA respondeu HTTP {} em {url}", resp.status),
        ));
    }
    let token = token_from_response(&resp.body)?;
    let ts = validate_token(
        &token,
        &TokenCheck {
            imprint: Imprint::Sha256(&imprint),
            nonce: Some(&req.nonce),
            policy: settings.tsa_policy.as_deref(),
            trust: &anchors,
            max_depth: settings.max_chain_depth as usize,
        },
    )
    // A granted response whose token is not a TimeStampToken is an invalid response.
    .map_err(|e| retag(e, Code::TsaInvalidToken, Code::TsaInvalidResponse))?;
    let chain: Vec<&Certificate> = signer_chain.iter().collect();
    let bounds = window(&ts, Some(reference_time), None, &chain);
    if let Some(e) = Error::from_findings(bounds) {
        return Err(e);
    }
    jws.attach_timestamp_token(token)?;
    Ok(ts)
}

/// Re-codes the findings of `e` coded `from` as `to`.
fn retag(e: Error, from: Code, to: Code) -> Error {
    let findings: Vec<Finding> = e
        .into_findings()
        .into_iter()
        .map(|f| {
            if f.code() == from {
                Finding::new(to, f.diagnostics().to_owned())
            } else {
                f
            }
        })
        .collect();
    Error::from_findings(findings).unwrap_or_else(|| Error::new(to, "resposta da TSA inválida"))
}

/// The time window of a token (criar Etapa 12; §17.6), all `TEMPORAL.TSA-TIMESTAMP-OUT-OF-BOUNDS`:
/// `[genTime − accuracy, genTime + accuracy]` within ±300 s of `anchor` (the reference
/// timestamp when signing; `iat` or `Signature.when` per the policy when verifying), its
/// upper bound not after `upper` (the verifier's reference timestamp; up to 300 s ahead
/// is clock skew, a warning), and inside the validity of every certificate of the signer
/// chain and of the TSA certificate.
pub(crate) fn window(
    ts: &TimeStamp,
    anchor: Option<i64>,
    upper: Option<i64>,
    signer_chain: &[&Certificate],
) -> Vec<Finding> {
    let mut f = Vec::new();
    let acc = ts.accuracy_secs();
    let (lo, hi) = (ts.gen_time - acc, ts.gen_time + acc);
    let out = |m: String| Finding::new(Code::TemporalTsaTimestampOutOfBounds, m);
    if let Some(a) = anchor {
        if lo < a - MAX_CLOCK_SKEW_SECS || hi > a + MAX_CLOCK_SKEW_SECS {
            f.push(out(format!(
                "genTime {} (±{acc} s) fora de ±{MAX_CLOCK_SKEW_SECS} s do instante declarado {a}",
                ts.gen_time
            )));
        }
    }
    if let Some(u) = upper {
        if hi > u + MAX_CLOCK_SKEW_SECS {
            f.push(out(format!(
                "genTime {} (±{acc} s) posterior ao timestamp de referência {u}",
                ts.gen_time
            )));
        } else if hi > u {
            f.push(
                Finding::new(
                    Code::TemporalClockSkewDetected,
                    format!(
                        "genTime {} adiante do timestamp de referência {u}",
                        ts.gen_time
                    ),
                )
                .with_severity(Severity::Warning),
            );
        }
    }
    for c in signer_chain.iter().copied().chain(ts.tsa_certificate()) {
        if lo < c.not_before() || hi > c.not_after() {
            f.push(out(format!(
                "genTime {} fora da validade de '{}' [{}, {}]",
                ts.gen_time,
                c.subject(),
                c.not_before(),
                c.not_after()
            )));
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesgo_cert::testpki::TestPki;

    fn stamp(gen_time: i64, accuracy_micros: i64) -> (TimeStamp, Vec<Certificate>) {
        let pki = TestPki::shared();
        let c = |d: &[u8]| Certificate::from_der(d).unwrap();
        let signer = vec![
            c(&pki.ecpf.der),
            c(&pki.ac2.der),
            c(&pki.ac1.der),
            c(&pki.root.der),
        ];
        let ts = TimeStamp {
            gen_time,
            accuracy_micros,
            policy: "1.2.3".into(),
            serial_hex: "01".into(),
            tsa_chain: vec![c(&pki.tsa.der), c(&pki.ac2.der)],
        };
        (ts, signer)
    }

    fn codes(f: &[Finding]) -> Vec<Code> {
        f.iter().map(Finding::code).collect()
    }

    #[test]
    fn gen_time_within_300_s_of_the_anchor_widened_by_accuracy() {
        let pki = TestPki::shared();
        let t = Certificate::from_der(&pki.ecpf.der).unwrap().not_before() + 3600;
        let (ts, chain) = stamp(t, 0);
        let chain: Vec<&Certificate> = chain.iter().collect();
        assert!(window(&ts, Some(t - 300), Some(t), &chain).is_empty());
        assert!(window(&ts, Some(t + 300), Some(t), &chain).is_empty());
        let out = [Code::TemporalTsaTimestampOutOfBounds];
        assert_eq!(codes(&window(&ts, Some(t - 301), Some(t), &chain)), out);
        assert_eq!(codes(&window(&ts, Some(t + 1000), None, &chain)), out);
        // accuracy 1.5 s → 2 s each side.
        let (ts, _) = stamp(t, 1_500_000);
        assert_eq!(codes(&window(&ts, Some(t - 299), None, &chain)), out);
        assert!(window(&ts, Some(t - 298), None, &chain).is_empty());
    }

    #[test]
    fn gen_time_after_the_reference_time_and_outside_certificate_validity() {
        let pki = TestPki::shared();
        let leaf = Certificate::from_der(&pki.ecpf.der).unwrap();
        let t = leaf.not_before() + 3600;
        let (ts, chain) = stamp(t, 0);
        let chain: Vec<&Certificate> = chain.iter().collect();
        assert_eq!(
            codes(&window(&ts, None, Some(t - 10), &chain)),
            [Code::TemporalClockSkewDetected]
        );
        assert_eq!(
            codes(&window(&ts, None, Some(t - 301), &chain)),
            [Code::TemporalTsaTimestampOutOfBounds]
        );
        let (ts, _) = stamp(leaf.not_before() - 10, 0);
        let f = window(&ts, None, None, &chain);
        // Before the leaf, the issuing AC and the TSA certificate (all issued together).
        assert!(f.len() >= 2, "{f:?}");
        assert!(f
            .iter()
            .all(|x| x.code() == Code::TemporalTsaTimestampOutOfBounds));
    }

    #[test]
    fn tsa_urls() {
        assert!(check_url("https://tsa.example.org/tsr").is_ok());
        assert!(check_url("https://127.0.0.1:8443/tsa").is_ok());
        assert!(check_url("https://[::1]:8443/").is_ok());
        for bad in [
            "http://tsa.example.org/",
            "http://127.0.0.1/",
            "ftp://x/",
            "https:///x",
            "tsa",
        ] {
            assert_eq!(
                check_url(bad).unwrap_err().code(),
                Code::ConfigTsaUrlInvalid,
                "{bad}"
            );
        }
        assert!(is_oid("1.3.6.1.4.1.55555.20.1"));
        assert!(!is_oid("1"));
        assert!(!is_oid("1..2"));
        assert!(!is_oid("a.b"));
    }
}
