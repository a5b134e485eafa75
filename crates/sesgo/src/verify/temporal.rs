//! Stage `time` (validar §6, SAV): the signing time against the signing certificate and
//! the reference time, and the RFC 3161 timestamp of strategy `tsa` (issue 20;
//! IG-DIGEST §2.3 Etapa 12, §3.3 §6, §17.6).
//!
//! The token is validated before the chain stage runs ([`Ctx::stamp`]): a valid token's
//! `genTime` is the time at which the chain (and revocation) are judged.

use super::stages::Ctx;
use crate::tsa::window;
use sesgo_cert::tsp::{validate_token, Imprint, TimeStamp, TokenCheck};
use sesgo_cert::Certificate;
use sesgo_core::policy::TsaTimeAnchor;
use sesgo_core::{Code, Finding};
use sesgo_jades::VerifiedJws;

/// The outcome of the timestamp token of one signature.
pub(super) struct Stamp {
    /// The validated token, if any.
    pub valid: Option<TimeStamp>,
    /// Why the token did not validate (`TSA.*`), located in the JWS.
    pub findings: Vec<Finding>,
}

/// Where the token sits in the JWS, per the profile's container.
fn token_loc(v: &VerifiedJws) -> &'static str {
    match v.policy.profile().unprotected {
        sesgo_core::policy::UnprotectedForm::Flat => "header.sigTst",
        sesgo_core::policy::UnprotectedForm::EtsiU => "header.etsiU[0].sigTst.tstTokens[0].val",
    }
}

impl Ctx<'_> {
    /// validar §6 (tsa): the token's CMS signature, ESS binding, TSA certificate (critical
    /// `timeStamping` EKU, chain to the TSA anchors at `genTime`), imprint (per the
    /// policy, [`VerifiedJws::tsa_message_imprint`]) and, when configured, its policy.
    pub(super) fn stamp(&self, v: &VerifiedJws) -> Stamp {
        let Some(token) = &v.timestamp_token else {
            return Stamp {
                valid: None,
                findings: Vec::new(),
            };
        };
        let input = v.tsa_imprint_input();
        let r = validate_token(
            token,
            &TokenCheck {
                imprint: Imprint::Of(&input),
                nonce: None,
                policy: self.settings.tsa_policy.as_deref(),
                trust: self.tsa_trust,
                max_depth: self.settings.max_chain_depth as usize,
            },
        );
        match r {
            Ok(ts) => Stamp {
                valid: Some(ts),
                findings: Vec::new(),
            },
            Err(e) => Stamp {
                valid: None,
                findings: e
                    .into_findings()
                    .into_iter()
                    .map(|f| f.at(token_loc(v)))
                    .collect(),
            },
        }
    }

    /// validar §6: the signing time against the certificate and the reference time; the
    /// timestamp's findings and its window (`when` is `Signature.when` as Unix time, when
    /// a Signature element was read).
    pub(super) fn time(
        &self,
        v: &VerifiedJws,
        chain: &[Certificate],
        stamp: &Stamp,
        when: Option<i64>,
    ) -> Vec<Finding> {
        let mut f = Vec::new();
        let leaf = chain.first();
        let loc = "protected.iat";
        if let (Some(iat), Some(leaf)) = (v.iat, leaf) {
            if iat < leaf.not_before() || iat > leaf.not_after() {
                f.push(
                    Finding::new(
                        Code::TemporalIatOutOfCertPeriod,
                        format!(
                            "iat {iat} fora da validade do certificado [{}, {}]",
                            leaf.not_before(),
                            leaf.not_after()
                        ),
                    )
                    .at(loc),
                );
            }
        }
        if let Some(iat) = v.iat {
            // iat after the reference time: beyond the ±300 s tolerance an error, within
            // it a warning (docs/adr/0004).
            if iat > self.reference_time + crate::MAX_CLOCK_SKEW_SECS {
                f.push(
                    Finding::new(
                        Code::TemporalIatInvalid,
                        format!(
                            "iat {iat} posterior ao timestamp de referência {}",
                            self.reference_time
                        ),
                    )
                    .at(loc),
                );
            } else if iat > self.reference_time {
                f.push(
                    Finding::new(
                        Code::TemporalClockSkewDetected,
                        format!(
                            "iat {iat} adiante do timestamp de referência {}",
                            self.reference_time
                        ),
                    )
                    .at(loc),
                );
            }
        }
        // The signature's time: genTime when timestamped, else iat.
        if let Some(t) = stamp.valid.as_ref().map(|s| s.gen_time).or(v.iat) {
            let age_days = (self.reference_time - t) / 86_400;
            if age_days > i64::from(self.settings.signature_age_threshold_days) {
                f.push(
                    Finding::new(
                        Code::TemporalSignatureTooOld,
                        format!(
                            "assinatura com {age_days} dias (limite {})",
                            self.settings.signature_age_threshold_days
                        ),
                    )
                    .at(loc),
                );
            }
        }
        f.extend(stamp.findings.iter().cloned());
        if let Some(ts) = &stamp.valid {
            let anchor = match v.policy.profile().tsa_time_anchor {
                TsaTimeAnchor::Iat => v.iat,
                TsaTimeAnchor::SignatureWhen => when,
            };
            let certs: Vec<&Certificate> = chain.iter().collect();
            f.extend(
                window(ts, anchor, Some(self.reference_time), &certs)
                    .into_iter()
                    .map(|x| x.at(token_loc(v))),
            );
        }
        f
    }
}
