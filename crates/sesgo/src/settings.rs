//! Operational settings of the use cases *criar* (input 8 and the settings after it) and
//! *validar* (input 2), each validated within the guide's range (criar 1.11, validar §1).
//! Buildable from JSON so C, Python and Java pass them the same way.

use serde::{Deserialize, Serialize};
use sesgo_core::{Code, Error, Finding, Result};

/// What to do when a certificate's revocation status cannot be obtained (DECISIONS D5).
/// A certificate known to be revoked is always an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationPolicy {
    /// Status unobtainable is an error (the guide's reference implementation default).
    #[default]
    Strict,
    /// Status unobtainable passes with an information issue.
    SoftFail,
    /// Status unobtainable passes with a warning.
    Warn,
    /// Revocation is not checked; the outcome says so with a warning.
    Off,
}

/// What an OCSP `unknown` answer means when no CRL establishes the status (the reference
/// implementation's `ocsp-unknown-handling`, IG-DIGEST §3.2). Signing always refuses an
/// unknown-status signer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OcspUnknown {
    /// As revoked: `CERT.REVOKED`, an error (default).
    #[default]
    Revoked,
    /// A warning (`REVOCATION.OCSP-INVALID`); the status stays undecided.
    Warning,
}

/// The guide's operational settings, with its defaults. Every field may be omitted from
/// the JSON form (camelCase names); unknown members are refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Settings {
    /// Certificates issued before this Unix time are refused (criar 2.6, validar §3.5).
    /// Default 1751328000 (2025-07-01); range [1609459200, 4102444800].
    pub min_cert_issue_date: i64,
    /// OCSP query timeout, seconds. Default 30; range [5, 120].
    pub ocsp_timeout_secs: u32,
    /// CRL download timeout, seconds. Default 30; range [5, 120].
    pub crl_timeout_secs: u32,
    /// TSA request timeout, seconds. Default 30; range [5, 120].
    pub tsa_timeout_secs: u32,
    /// Revocation cache TTL, seconds. Default 3600; range [300, 86400].
    pub revocation_cache_ttl_secs: u32,
    /// Warn when a certificate expires within this many days. Default 30; range [1, 180].
    pub near_expiry_threshold_days: u32,
    /// Warn when a signature is older than this many days. Default 365; range [1, 1825].
    pub signature_age_threshold_days: u32,
    /// Revocation policy. Default `strict`.
    pub revocation_policy: RevocationPolicy,
    /// OCSP `unknown` answers: `revoked` (default) or `warning`.
    pub ocsp_unknown: OcspUnknown,
    /// Maximum Bundle entries. Default 1000; range [100, 10000].
    pub max_entries_bundle: u32,
    /// Maximum Bundle size in bytes. Default 52428800 (50 MB); range [1048576, 209715200].
    pub max_bundle_bytes: u64,
    /// Bundle verification timeout, seconds. Default 10; range [5, 300].
    pub bundle_timeout_secs: u32,
    /// Maximum certificate chain depth. Default 5; range [2, 10].
    pub max_chain_depth: u32,
    /// Chain cache TTL, seconds. Default 86400; range [300, 604800]. Also how long an
    /// AIA download is reused (IG-DIGEST §13).
    pub chain_cache_ttl_secs: u32,
    /// Network access (AIA, ITI archive, OCSP, CRL, TSA, tokens). `false` is offline mode:
    /// nothing is fetched and what could not be obtained is reported with its code.
    /// Default true.
    pub network: bool,
    /// Attempts after a failed network `GET`. Default 3; range [1, 5] (IG-DIGEST §2.2).
    pub network_max_retries: u32,
    /// Wait before the first retry, seconds, doubled for each further one (never past
    /// the request's timeout). Default 2; range [1, 10] (IG-DIGEST §2.2).
    pub network_retry_interval_secs: u32,
    /// Timeout of an AIA intermediate download, seconds. Default 20; range [5, 120]
    /// (IG-DIGEST §13).
    pub aia_timeout_secs: u32,
    /// Timeout of each ITI archive download, seconds. Default 30; range [5, 120]
    /// (IG-DIGEST §12).
    pub trust_store_timeout_secs: u32,
    /// Age of the cached ITI archive after which it is refreshed, seconds. Default 86400
    /// (1440 min); range [3600, 604800] (IG-DIGEST §12; DECISIONS D18).
    pub trust_store_refresh_secs: u32,
    /// Age after which a copy that could not be refreshed is critical
    /// (`CACHE.CRITICAL-STALE`), seconds. Default 172800 (2880 min); range [3600, 2592000].
    pub trust_store_critical_secs: u32,
    /// Age after which a copy is no longer used (`CACHE.EXPIRED-UNSAFE`), seconds.
    /// Default 604800 (10080 min); range [3600, 2592000].
    pub trust_store_max_age_secs: u32,
    /// RFC 3161 TSA endpoint (criar input 8; required by strategy `tsa`): an absolute
    /// `https://` URL (`CONFIG.TSA-URL-INVALID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa_url: Option<String>,
    /// Extra trusted roots (PEM) for the TLS server certificate of `tsaUrl`, besides the
    /// system's (e.g. a private TSA; the tests' loopback TSA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa_tls_roots_pem: Option<String>,
    /// TSA policy OID requested (`reqPolicy`) and required in the token (§17.6), dotted
    /// (`CONFIG.TSA-OID-INVALID`). Default: none requested, any accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa_policy: Option<String>,
    /// Anchors of TSA certificates, separate from the signer's trust store (§17.6).
    /// Default: the trust store given to sign/verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa_trust_store: Option<crate::trust::TrustStoreOptions>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_cert_issue_date: 1_751_328_000,
            ocsp_timeout_secs: 30,
            crl_timeout_secs: 30,
            tsa_timeout_secs: 30,
            revocation_cache_ttl_secs: 3600,
            near_expiry_threshold_days: 30,
            signature_age_threshold_days: 365,
            revocation_policy: RevocationPolicy::Strict,
            ocsp_unknown: OcspUnknown::Revoked,
            max_entries_bundle: 1000,
            max_bundle_bytes: 52_428_800,
            bundle_timeout_secs: 10,
            max_chain_depth: 5,
            chain_cache_ttl_secs: 86_400,
            network: true,
            network_max_retries: 3,
            network_retry_interval_secs: 2,
            aia_timeout_secs: 20,
            trust_store_timeout_secs: 30,
            trust_store_refresh_secs: 86_400,
            trust_store_critical_secs: 172_800,
            trust_store_max_age_secs: 604_800,
            tsa_url: None,
            tsa_tls_roots_pem: None,
            tsa_policy: None,
            tsa_trust_store: None,
        }
    }
}

/// Earliest and latest accepted reference timestamps (criar 1.2; validar input 3):
/// 2025-07-01T00:00:00Z and 2100-01-01T00:00:00Z, inclusive.
pub const REFERENCE_TIME_RANGE: (i64, i64) = (1_751_328_000, 4_102_444_800);

/// Maximum gap between the reference timestamp and the local clock, seconds
/// (criar 1.10; validar input 3).
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

impl Settings {
    /// The guide's defaults in the JSON form [`Settings::from_json`] reads (every member
    /// that has a default; the optional TSA members, which have none, are absent).
    /// Bindings publish these instead of repeating the numbers.
    ///
    /// ```
    /// let json = sesgo::Settings::defaults_json();
    /// assert!(json.contains(r#""revocationPolicy":"strict""#));
    /// assert_eq!(sesgo::Settings::from_json(json.as_bytes())?, sesgo::Settings::default());
    /// # Ok::<(), sesgo::Error>(())
    /// ```
    pub fn defaults_json() -> &'static str {
        static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        JSON.get_or_init(|| serde_json::to_string(&Settings::default()).unwrap_or_default())
    }

    /// Parses the JSON form strictly (duplicate members refused; unknown members and wrong
    /// types are `CONFIG.INVALID-PARAMETER`) and validates the ranges.
    pub fn from_json(json: &[u8]) -> Result<Settings> {
        let s: Settings = crate::options::from_json(json, "settings")?;
        s.validate()?;
        Ok(s)
    }

    /// Checks every setting against the guide's range; all violations are reported.
    pub fn validate(&self) -> Result<()> {
        let mut f = Vec::new();
        let mut range = |name: &str, v: i64, lo: i64, hi: i64, code: Code| {
            if v < lo || v > hi {
                f.push(Finding::new(
                    code,
                    format!("configuração {name} = {v} fora da faixa [{lo}, {hi}]"),
                ));
            }
        };
        range(
            "minCertIssueDate",
            self.min_cert_issue_date,
            1_609_459_200,
            4_102_444_800,
            Code::ConfigCertMinDateOutOfRange,
        );
        range(
            "ocspTimeoutSecs",
            self.ocsp_timeout_secs.into(),
            5,
            120,
            Code::ConfigTimeoutOutOfRange,
        );
        range(
            "crlTimeoutSecs",
            self.crl_timeout_secs.into(),
            5,
            120,
            Code::ConfigTimeoutOutOfRange,
        );
        range(
            "tsaTimeoutSecs",
            self.tsa_timeout_secs.into(),
            5,
            120,
            Code::ConfigTimeoutOutOfRange,
        );
        range(
            "revocationCacheTtlSecs",
            self.revocation_cache_ttl_secs.into(),
            300,
            86_400,
            Code::ConfigTtlOutOfRange,
        );
        range(
            "nearExpiryThresholdDays",
            self.near_expiry_threshold_days.into(),
            1,
            180,
            Code::ConfigInvalidParameter,
        );
        range(
            "signatureAgeThresholdDays",
            self.signature_age_threshold_days.into(),
            1,
            1825,
            Code::ConfigInvalidParameter,
        );
        range(
            "maxEntriesBundle",
            self.max_entries_bundle.into(),
            100,
            10_000,
            Code::ConfigBundleSizeLimitOutOfRange,
        );
        range(
            "maxBundleBytes",
            i64::try_from(self.max_bundle_bytes).unwrap_or(i64::MAX),
            1_048_576,
            209_715_200,
            Code::ConfigBundleMemoryLimitOutOfRange,
        );
        range(
            "bundleTimeoutSecs",
            self.bundle_timeout_secs.into(),
            5,
            300,
            Code::ConfigBundleTimeoutOutOfRange,
        );
        range(
            "maxChainDepth",
            self.max_chain_depth.into(),
            2,
            10,
            Code::ConfigInvalidParameter,
        );
        range(
            "chainCacheTtlSecs",
            self.chain_cache_ttl_secs.into(),
            300,
            604_800,
            Code::ConfigTtlOutOfRange,
        );
        range(
            "networkMaxRetries",
            self.network_max_retries.into(),
            1,
            5,
            Code::ConfigInvalidParameter,
        );
        range(
            "networkRetryIntervalSecs",
            self.network_retry_interval_secs.into(),
            1,
            10,
            Code::ConfigInvalidParameter,
        );
        range(
            "aiaTimeoutSecs",
            self.aia_timeout_secs.into(),
            5,
            120,
            Code::ConfigTimeoutOutOfRange,
        );
        range(
            "trustStoreTimeoutSecs",
            self.trust_store_timeout_secs.into(),
            5,
            120,
            Code::ConfigTimeoutOutOfRange,
        );
        range(
            "trustStoreRefreshSecs",
            self.trust_store_refresh_secs.into(),
            3600,
            604_800,
            Code::ConfigUpdateIntervalOutOfRange,
        );
        range(
            "trustStoreCriticalSecs",
            self.trust_store_critical_secs.into(),
            3600,
            2_592_000,
            Code::ConfigTtlOutOfRange,
        );
        range(
            "trustStoreMaxAgeSecs",
            self.trust_store_max_age_secs.into(),
            3600,
            2_592_000,
            Code::ConfigTtlOutOfRange,
        );
        if !(self.trust_store_refresh_secs <= self.trust_store_critical_secs
            && self.trust_store_critical_secs <= self.trust_store_max_age_secs)
        {
            f.push(Finding::new(
                Code::ConfigTtlOutOfRange,
                format!(
                    "esperado trustStoreRefreshSecs ({}) <= trustStoreCriticalSecs ({}) <= trustStoreMaxAgeSecs ({})",
                    self.trust_store_refresh_secs,
                    self.trust_store_critical_secs,
                    self.trust_store_max_age_secs
                ),
            ));
        }
        if let Some(u) = &self.tsa_url {
            if let Err(e) = crate::tsa::check_url(u) {
                f.extend(e.into_findings());
            }
        }
        if let Some(p) = &self.tsa_policy {
            if !crate::tsa::is_oid(p) {
                f.push(Finding::new(
                    Code::ConfigTsaOidInvalid,
                    format!("configuração tsaPolicy '{p}' não é um OID"),
                ));
            }
        }
        match Error::from_findings(f) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Checks that a reference timestamp given to a command without the clock rule (certificate
/// inspection, `build_x5c`) lies inside [`REFERENCE_TIME_RANGE`]
/// (`FORMAT.INVALID-TIMESTAMP` at `location`; DECISIONS D45).
pub fn check_reference_range(reference: i64, location: &str) -> Result<()> {
    let (lo, hi) = REFERENCE_TIME_RANGE;
    if reference < lo || reference > hi {
        return Err(Error::new(
            Code::FormatInvalidTimestamp,
            format!("timestamp de referência {reference} fora do intervalo [{lo}, {hi}]"),
        )
        .at(location));
    }
    Ok(())
}

/// Checks a reference timestamp: inside [`REFERENCE_TIME_RANGE`] (criar 1.2) and within
/// [`MAX_CLOCK_SKEW_SECS`] of `now` (criar 1.10). CodeSystem 0.1.2 has no
/// `CONFIG.TIMESTAMP-OUT-OF-RANGE`; both failures are `FORMAT.INVALID-TIMESTAMP`, as in
/// the reference implementation of policy 0.2.0 (docs/adr/0004).
pub fn check_reference_time(reference: i64, now: i64) -> Result<()> {
    check_reference_range(reference, "referenceTimestamp")?;
    let skew = reference.saturating_sub(now).saturating_abs();
    if skew > MAX_CLOCK_SKEW_SECS {
        return Err(Error::new(
            Code::FormatInvalidTimestamp,
            format!(
                "timestamp de referência {reference} difere {skew} s do relógio local {now} (máximo {MAX_CLOCK_SKEW_SECS} s)"
            ),
        )
        .at("referenceTimestamp"));
    }
    Ok(())
}
