//! Stage `time` (validar §6, SAV): the signing time against the signing certificate and
//! the reference time. RFC 3161 timestamps (issue 20) arrive here.

use super::stages::Ctx;
use sesgo_cert::Certificate;
use sesgo_core::{Code, Finding};
use sesgo_jades::{Strategy, VerifiedJws};

impl Ctx<'_> {
    /// validar §6: the signing time against the certificate and the reference time.
    pub(super) fn time(&self, v: &VerifiedJws, leaf: Option<&Certificate>) -> Vec<Finding> {
        let mut f = Vec::new();
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
            let age_days = (self.reference_time - iat) / 86_400;
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
        if v.strategy == Strategy::Tsa || v.timestamp_token.is_some() {
            f.push(
                Finding::new(
                    Code::TsaValidationFailed,
                    "validação de carimbo de tempo RFC 3161 ainda não suportada por esta versão",
                )
                .at("header"),
            );
        }
        f
    }
}
