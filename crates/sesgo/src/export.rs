//! What the credentialing portal asks for (IG-DIGEST §8; DECISIONS D7): the public
//! certificate in PEM or DER, its `x5t#S256`, and the JWK / JWK Set of its public key for
//! `private_key_jwt` registration. Never any private material.

use sesgo_cert::{Certificate, Credentials};
use sesgo_core::{Code, Error, Result};

/// Output forms of [`export_certificate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// The leaf certificate, PEM.
    Pem,
    /// The leaf certificate, DER.
    Der,
    /// The public JWK (`kid` = RFC 7638 thumbprint, `x5c`, `x5t#S256`), JSON.
    Jwk,
    /// `{"keys": [jwk]}`, JSON.
    Jwks,
}

impl ExportFormat {
    /// Parses `pem`, `der`, `jwk` or `jwks`. Failure: `CONFIG.INVALID-PARAMETER` at `format`.
    pub fn parse(s: &str) -> Result<ExportFormat> {
        match s {
            "pem" => Ok(ExportFormat::Pem),
            "der" => Ok(ExportFormat::Der),
            "jwk" => Ok(ExportFormat::Jwk),
            "jwks" => Ok(ExportFormat::Jwks),
            other => Err(Error::new(
                Code::ConfigInvalidParameter,
                format!("formato de exportação '{other}' desconhecido: use pem, der, jwk ou jwks"),
            )
            .at("format")),
        }
    }
}

/// Exports the certificate given as DER, PEM (leaf first; the rest of the chain goes into
/// the JWK's `x5c`), or — with `password` — a PKCS#12 (its key's certificate and chain).
/// Failures: `CERT.INVALID-FORMAT`, `FORMAT.CERT-PEM-INVALID`, the PKCS#12 credential codes,
/// `CRYPTO.INVALID-PUBLIC-KEY` (JWK of a non-RSA key).
pub fn export_certificate(
    input: &[u8],
    password: Option<&str>,
    alias: Option<&str>,
    format: ExportFormat,
) -> Result<Vec<u8>> {
    let chain: Vec<Certificate> = match password {
        Some(pw) => Credentials::from_pkcs12(input, pw, alias)?.chain().to_vec(),
        None if input.windows(11).any(|w| w == b"-----BEGIN ") => Certificate::all_from_pem(input)?,
        None => vec![Certificate::from_der(input)?],
    };
    let leaf = chain.first().ok_or_else(|| {
        Error::new(Code::FormatCertPemInvalid, "nenhum certificado na entrada").at("certificate")
    })?;
    Ok(match format {
        ExportFormat::Pem => leaf.to_pem().into_bytes(),
        ExportFormat::Der => leaf.der().to_vec(),
        ExportFormat::Jwk => pretty(&sesgo_cert::public_jwk(&chain)?),
        ExportFormat::Jwks => pretty(&sesgo_cert::public_jwks(&chain)?),
    })
}

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesgo_cert::testpki::TestPki;

    #[test]
    fn every_format_from_a_pkcs12_and_no_private_member() {
        let pki = TestPki::shared();
        let p12 = std::fs::read(&pki.p12_ecnpj).unwrap();
        let der = export_certificate(&p12, Some("teste123"), None, ExportFormat::Der).unwrap();
        assert_eq!(der, pki.ecnpj.der);
        let pem = export_certificate(&p12, Some("teste123"), None, ExportFormat::Pem).unwrap();
        assert_eq!(
            Certificate::from_pem(&pem).unwrap().der(),
            &pki.ecnpj.der[..]
        );
        let jwks = export_certificate(&p12, Some("teste123"), None, ExportFormat::Jwks).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&jwks).unwrap();
        let k = &v["keys"][0];
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(k.get(private).is_none());
        }
        assert_eq!(k["x5c"].as_array().unwrap().len(), 4);
        let e = export_certificate(&p12, Some("errada"), None, ExportFormat::Jwk).unwrap_err();
        assert_ne!(e.code(), Code::System);
        assert_eq!(
            ExportFormat::parse("p12").unwrap_err().code(),
            Code::ConfigInvalidParameter
        );
    }
}
