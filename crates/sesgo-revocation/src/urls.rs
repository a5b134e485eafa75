//! Where to ask: OCSP URLs from the AIA extension, CRL URLs from the CRL distribution
//! points, both in certificate order; only `http://` and `https://` URLs.

use const_oid::db::rfc5280::{
    ID_AD_OCSP, ID_CE_CRL_DISTRIBUTION_POINTS, ID_PE_AUTHORITY_INFO_ACCESS,
};
use der::Decode;
use sesgo_cert::Certificate;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};

fn ext<'a>(cert: &'a Certificate, oid: &const_oid::ObjectIdentifier) -> Option<&'a [u8]> {
    cert.x509()
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == *oid)
        .map(|e| e.extn_value.as_bytes())
}

fn http_uri(g: &GeneralName) -> Option<String> {
    match g {
        GeneralName::UniformResourceIdentifier(u) => {
            let s = u.as_str();
            (s.starts_with("http://") || s.starts_with("https://")).then(|| s.to_owned())
        }
        _ => None,
    }
}

/// The OCSP responder URLs of `cert` (AIA `id-ad-ocsp`), in order.
pub fn ocsp_urls(cert: &Certificate) -> Vec<String> {
    ext(cert, &ID_PE_AUTHORITY_INFO_ACCESS)
        .and_then(|v| AuthorityInfoAccessSyntax::from_der(v).ok())
        .map(|aia| {
            aia.0
                .iter()
                .filter(|d| d.access_method == ID_AD_OCSP)
                .filter_map(|d| http_uri(&d.access_location))
                .collect()
        })
        .unwrap_or_default()
}

/// The CRL URLs of `cert` (CRL distribution points, full names), in order.
pub fn crl_urls(cert: &Certificate) -> Vec<String> {
    ext(cert, &ID_CE_CRL_DISTRIBUTION_POINTS)
        .and_then(|v| CrlDistributionPoints::from_der(v).ok())
        .map(|cdp| {
            cdp.0
                .iter()
                .filter_map(|dp: &DistributionPoint| match &dp.distribution_point {
                    Some(DistributionPointName::FullName(names)) => Some(names),
                    _ => None,
                })
                .flatten()
                .filter_map(http_uri)
                .collect()
        })
        .unwrap_or_default()
}
