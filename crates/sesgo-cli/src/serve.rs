//! `sesgo serve`: builds the server-wide defaults exactly as `sesgo sign` and `sesgo
//! verify` build theirs, then hands them to `sesgo-server` (docs/adr/0056).

use crate::args::*;
use crate::commands::{accepted_policies, policy_arg};
use crate::inputs::*;
use crate::{Output, Ui};
use sesgo::{Policy, Strategy, UnsignedEntries};
use sesgo_server::{Backend, LogFormat, Server, ServerConfig, TlsConfig};

/// The server configuration: the file, then the options.
fn config(a: &ServeArgs) -> sesgo::Result<ServerConfig> {
    let mut c = match &a.config {
        Some(p) => ServerConfig::from_json(&read(p, "--config")?)?,
        None => ServerConfig::default(),
    };
    if let Some(l) = &a.listen {
        c.listen = sesgo_server::parse_listen(l)?;
    }
    if let (Some(cert), Some(key)) = (&a.tls_cert, &a.tls_key) {
        c.tls = Some(TlsConfig {
            cert_chain_pem: cert.clone(),
            key_pem: key.clone(),
            client_ca_pem: a.client_ca.clone(),
            client_cert_required: a.client_cert_required,
        });
    }
    if a.bearer_tokens_env.is_some() {
        c.auth.bearer_tokens_env = a.bearer_tokens_env.clone();
    }
    let l = &mut c.limits;
    if let Some(n) = a.max_body_bytes {
        l.max_body_bytes = n;
    }
    if let Some(n) = a.max_in_flight {
        l.max_in_flight = n;
    }
    if let Some(n) = a.workers {
        l.workers = n;
    }
    if let Some(n) = a.request_timeout {
        l.request_timeout_secs = n;
    }
    if let Some(log) = a.log {
        c.log = match log {
            LogArg::Json => LogFormat::Json,
            LogArg::Off => LogFormat::Off,
        };
    }
    c.validate()?;
    Ok(c)
}

pub(crate) fn serve(a: &ServeArgs, ui: &Ui) -> sesgo::Result<Output> {
    let config = config(a)?;
    let mut settings = settings(a.settings.as_deref())?;
    if let Some(r) = a.revocation {
        settings.revocation_policy = r.into();
    }
    if let Some(u) = &a.tsa_url {
        settings.tsa_url = Some(u.clone());
    }
    if let Some(p) = &a.tsa_policy {
        settings.tsa_policy = Some(p.clone());
    }
    if a.network.offline {
        settings.network = false;
    }
    settings.validate()?;
    let trust = crate::network::online_trust(&a.trust, &a.network, &settings, ui)?;
    let backend = Backend {
        signer: if a.signer.source.p12.is_some()
            || a.signer.source.key.is_some()
            || a.signer.source.pkcs11_module.is_some()
        {
            Some(a.signer.build()?)
        } else {
            None
        },
        trust,
        policy: match &a.policy {
            Some(u) => policy_arg(u, "--policy")?,
            None => Policy::DEFAULT,
        },
        strategy: match a.strategy {
            None | Some(StrategyArg::Iat) => Strategy::Iat,
            Some(StrategyArg::Tsa) => Strategy::Tsa,
        },
        accepted_policies: accepted_policies(&a.accept_policy)?,
        unsigned_entries: match a.unsigned_entries {
            None | Some(UnsignedArg::Warning) => UnsignedEntries::Warning,
            Some(UnsignedArg::Error) => UnsignedEntries::Error,
        },
        revocation_evidence: a
            .revocation_evidence
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        settings,
    };
    let server = Server::bind(config, backend)?;
    let summary = serde_json::to_string_pretty(&server.summary()).unwrap_or_default();
    if a.check_config {
        ui.note("sesgo serve --check-config: configuração válida");
        return Ok(Output::Json {
            json: summary,
            ok: true,
        });
    }
    let addr = server.local_addr();
    if let Some(p) = &a.port_file {
        // Written whole, then renamed: a reader never sees half an address.
        let tmp = p.with_extension("tmp");
        write(&tmp, addr.to_string().as_bytes(), "--port-file")?;
        std::fs::rename(&tmp, p).map_err(|e| {
            sesgo::Error::new(
                sesgo::Code::ConfigInvalidParameter,
                format!("--port-file: {e}"),
            )
        })?;
    }
    ui.note(format!(
        "sesgo serve: {}://{addr} (Ctrl-C or SIGTERM stops it gracefully)",
        if a.tls_cert.is_some() || summary.contains("\"tls\": true") {
            "https"
        } else {
            "http"
        }
    ));
    server.run()?;
    ui.note("sesgo serve: stopped");
    Ok(Output::Done { ok: true })
}
