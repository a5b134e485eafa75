//! Network commands and options: `--offline`, `--cache-dir`, `--tls-roots-pem`, `--iti`;
//! `sesgo trust refresh|show` and `sesgo cert chain` (issue 18; ADR 0046).

use crate::args::*;
use crate::inputs::*;
use crate::{Output, Ui};
use sesgo::{Network, NetworkOptions, Settings, TrustStore};
use std::path::Path;

fn path_string(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

impl NetworkArgs {
    /// The network context: `--offline` wins over the settings.
    pub(crate) fn build(&self, settings: &Settings) -> sesgo::Result<Network> {
        let mut settings = settings.clone();
        if self.offline {
            settings.network = false;
        }
        let tls_roots_pem = read_opt(self.tls_roots_pem.as_deref(), "--tls-roots-pem")?
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        let options = NetworkOptions {
            cache_dir: self.cache_dir.as_deref().map(path_string),
            tls_roots_pem,
            trust_store_zip_url: self.iti_zip_url.clone(),
            trust_store_hash_url: self.iti_hash_url.clone(),
            ..NetworkOptions::default()
        };
        Network::new(&settings, &options).map_err(|e| located(e, "--cache-dir"))
    }
}

/// The trust store of `trust` with the network of `network` attached (docs/adr/0055):
/// chains completed through AIA and, with `--iti`, through ITI's archive; OCSP, CRL and
/// the TSA through the same transport, cache and offline mode. Cache warnings go to
/// stderr.
pub(crate) fn online_trust(
    trust: &TrustArgs,
    network: &NetworkArgs,
    settings: &Settings,
    ui: &Ui,
) -> sesgo::Result<TrustStore> {
    let store = trust.build()?;
    let net = network.build(settings)?;
    let store = net.attach(&store);
    if !trust.iti {
        return Ok(store);
    }
    let (store, warnings) = net.with_iti(&store).map_err(|e| located(e, "--iti"))?;
    if !warnings.is_empty() {
        ui.note("trust store:");
        ui.findings(&warnings);
    }
    Ok(store)
}

/// Length of the array member `key` of `v` (0 when absent).
fn count(v: &serde_json::Value, key: &str) -> usize {
    v.get(key)
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len)
}

pub(crate) fn trust_refresh(a: &TrustRefreshArgs, ui: &Ui) -> sesgo::Result<Output> {
    let settings = settings(a.settings.as_deref())?;
    let net = a.network.build(&settings)?;
    let out = net.refresh_trust_store_report()?;
    ui.note(format!(
        "sesgo trust refresh: {} ({} certificados; +{} -{})",
        if out.get("changed").and_then(serde_json::Value::as_bool) == Some(true) {
            "atualizado"
        } else {
            "sem mudanças"
        },
        out.get("certificates")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0),
        count(&out, "added"),
        count(&out, "removed")
    ));
    Ok(Output::Json {
        json: serde_json::to_string_pretty(&out).unwrap_or_default(),
        ok: true,
    })
}

pub(crate) fn trust_show(a: &TrustShowArgs, ui: &Ui) -> sesgo::Result<Output> {
    let store = a.trust.build()?;
    // Never the network: what the cache holds.
    let net = NetworkArgs {
        offline: true,
        cache_dir: a.network.cache_dir.clone(),
        tls_roots_pem: None,
        iti_zip_url: a.network.iti_zip_url.clone(),
        iti_hash_url: a.network.iti_hash_url.clone(),
    }
    .build(&Settings::default())?;
    let out = net.trust_store_report(&store);
    ui.note(format!(
        "sesgo trust show: {} raiz(es) confiável(is); arquivo ITI {}; {} download(s) AIA em cache",
        count(&out, "roots"),
        if out.get("itiArchive").is_none_or(serde_json::Value::is_null) {
            "ausente"
        } else {
            "em cache"
        },
        count(&out, "aia")
    ));
    Ok(Output::Json {
        json: serde_json::to_string_pretty(&out).unwrap_or_default(),
        ok: true,
    })
}

pub(crate) fn cert_chain(a: &CertChainArgs, ui: &Ui) -> sesgo::Result<Output> {
    let cert = read(&a.cert, "--cert")?;
    let settings = settings(a.settings.as_deref())?;
    let trust = online_trust(&a.trust, &a.network, &settings, ui)?;
    let x5c = sesgo::build_x5c(&cert, &trust, &settings, a.reference_time)
        .map_err(|e| located(e, "--cert"))?;
    ui.note(format!("sesgo cert chain: {} certificado(s)", x5c.len()));
    Ok(Output::Json {
        json: serde_json::to_string_pretty(&x5c).unwrap_or_default(),
        ok: true,
    })
}
