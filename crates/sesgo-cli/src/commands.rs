//! The commands: each reads its inputs, calls the facade and returns what to print.

use crate::args::*;
use crate::inputs::*;
use crate::{Output, Ui};
use sesgo::{
    BuildBundleOptions, Code, Error, OperationOutcome, Policy, ReferenceCheckOptions, SignOptions,
    Strategy, UnsignedEntries, VerifyInput, VerifyOptions,
};
use std::io::Write;
use std::path::Path;

/// A policy URI given on the command line, located at the option that carried it.
pub(crate) fn policy_arg(uri: &str, option: &str) -> sesgo::Result<Policy> {
    Policy::from_uri(uri).map_err(|e| e.at(option))
}

/// `--accept-policy URI…`: `None` (every supported policy) when none is given.
pub(crate) fn accepted_policies(uris: &[String]) -> sesgo::Result<Option<Vec<Policy>>> {
    if uris.is_empty() {
        return Ok(None);
    }
    uris.iter()
        .map(|u| policy_arg(u, "--accept-policy"))
        .collect::<sesgo::Result<_>>()
        .map(Some)
}

pub(crate) fn policy_label(uri: Option<&str>) -> String {
    uri.map_or_else(
        || format!("{} (default)", sesgo::DEFAULT_POLICY.uri()),
        str::to_owned,
    )
}

fn paths(p: &[std::path::PathBuf]) -> Vec<String> {
    p.iter().map(|p| p.display().to_string()).collect()
}

pub(crate) fn sign(a: &SignArgs, ui: &Ui) -> sesgo::Result<Output> {
    let options = SignOptions {
        policy: match &a.policy {
            Some(u) => policy_arg(u, "--policy")?,
            None => Policy::DEFAULT,
        },
        strategy: match a.strategy {
            None | Some(StrategyArg::Iat) => Strategy::Iat,
            Some(StrategyArg::Tsa) => Strategy::Tsa,
        },
        reference_time: a.reference_time,
        settings: {
            let mut s = settings(a.settings.as_deref())?;
            if let Some(r) = a.revocation {
                s.revocation_policy = r.into();
            }
            if let Some(u) = &a.tsa_url {
                s.tsa_url = Some(u.clone());
            }
            if let Some(p) = &a.tsa_policy {
                s.tsa_policy = Some(p.clone());
            }
            s.validate()?;
            s
        },
        revocation_evidence: paths(&a.revocation_evidence),
    };
    // Read under the settings' maxBundleBytes (at most that + 1 byte: docs/adr/0058).
    let bundle = read_with(&a.bundle, "--bundle", Some(&options.settings))?;
    let provenance = read_with(&a.provenance, "--provenance", Some(&options.settings))?;
    let trust = crate::network::online_trust(&a.trust, &a.network, &options.settings, ui)?;
    let signer = a.signer.build()?;
    let signed = sesgo::sign(&bundle, &provenance, &signer, &trust, &options)?;
    drop(signer);

    let provenance_json = signed.provenance.to_json();
    if let Some(p) = &a.out_provenance {
        write(p, provenance_json.as_bytes(), "--out-provenance")?;
    }
    if let Some(p) = &a.out_bundle {
        write(p, signed.bundle.as_bytes(), "--out-bundle")?;
    }
    if let Some(p) = &a.out_signature {
        write(p, signed.signature.to_json().as_bytes(), "--out-signature")?;
    }
    let who = signed.signature.member("who").member("identifier");
    let targets = signed
        .provenance
        .member("target")
        .as_array()
        .map_or(0, Vec::len);
    ui.note(format!(
        "sesgo sign: signed {targets} resource(s) under {} as {}|{}",
        policy_label(a.policy.as_deref()),
        who["system"].as_str().unwrap_or("?"),
        who["value"].as_str().unwrap_or("?"),
    ));
    if !signed.warnings.is_empty() {
        ui.note("warnings:");
        ui.findings(&signed.warnings);
    }
    Ok(Output::Json {
        json: provenance_json,
        ok: true,
    })
}

/// The verify options `verify` and `verify-many` share (the trust store comes after the
/// inputs are read: `crate::network::online_trust`).
fn verify_options(c: &VerifyCommon) -> sesgo::Result<VerifyOptions> {
    let mut settings = settings(c.settings.as_deref())?;
    if let Some(r) = c.revocation {
        settings.revocation_policy = r.into();
    }
    if let Some(p) = &c.tsa_policy {
        settings.tsa_policy = Some(p.clone());
    }
    let options = VerifyOptions {
        policy: c
            .policy
            .as_deref()
            .map(|u| policy_arg(u, "--policy"))
            .transpose()?,
        reference_time: c.reference_time,
        settings,
        accepted_policies: accepted_policies(&c.accept_policy)?,
        unsigned_entries: match c.unsigned_entries {
            UnsignedArg::Warning => UnsignedEntries::Warning,
            UnsignedArg::Error => UnsignedEntries::Error,
        },
        revocation_evidence: paths(&c.revocation_evidence),
    };
    Ok(options)
}

pub(crate) fn verify(a: &VerifyArgs, ui: &Ui) -> sesgo::Result<Output> {
    let w = &a.what;
    let options = verify_options(&a.common)?;
    // Read under the settings' maxBundleBytes (at most that + 1 byte: docs/adr/0058).
    let limited = |p: Option<&std::path::Path>, option: &str| {
        p.map(|p| read_with(p, option, Some(&options.settings)))
            .transpose()
    };
    let signature = limited(w.signature.as_deref(), "--signature")?;
    let provenance = limited(w.provenance.as_deref(), "--provenance")?;
    let bundle = limited(w.bundle.as_deref(), "--bundle")?;
    let data = limited(w.signature_data.as_deref(), "--signature-data")?
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let input = VerifyInput {
        signature_data: data.as_deref(),
        signature: signature.as_deref(),
        provenance: provenance.as_deref(),
        bundle: bundle.as_deref(),
    };
    let c = &a.common;
    let trust = crate::network::online_trust(&c.trust, &c.network, &options.settings, ui)?;
    let v = sesgo::verify(&input, &trust, &options)?;
    ui.note(format!(
        "sesgo verify: {} ({})",
        if v.valid { "VALID" } else { "INVALID" },
        v.indication.as_str()
    ));
    for r in &v.signatures {
        ui.note(format!(
            "  {}: policy {}; signer {}; content {}",
            r.location,
            r.policy.unwrap_or("?"),
            r.signer
                .as_ref()
                .map_or("?".to_owned(), |s| format!("{}|{}", s.system, s.value)),
            if r.content_checked {
                format!("checked: {}", r.signed_full_urls.join(", "))
            } else {
                "NOT checked (no content supplied)".to_owned()
            }
        ));
    }
    for u in &v.unsigned_content {
        ui.note(format!("  unsigned: {}", u.location));
    }
    ui.findings(v.outcome.issues());
    Ok(Output::Json {
        json: if a.report {
            v.to_json()
        } else {
            v.outcome.to_json()
        },
        ok: v.valid,
    })
}

/// Files verified per `sesgo::verify_batch` call: bounds what is held in memory (inputs
/// and results) for an archive of any size while keeping every core busy.
const VERIFY_MANY_CHUNK: usize = 256;

pub(crate) fn verify_many(a: &VerifyManyArgs, ui: &Ui) -> sesgo::Result<Output> {
    let options = verify_options(&a.common)?;
    let c = &a.common;
    let trust = crate::network::online_trust(&c.trust, &c.network, &options.settings, ui)?;
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut out = std::io::stdout().lock();
    for (c, chunk) in a.files.chunks(VERIFY_MANY_CHUNK).enumerate() {
        // A file that cannot be read is that item's invalid result, not a failed run.
        let read: Vec<sesgo::Result<Vec<u8>>> = chunk
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let at = format!("FILES[{}]", c * VERIFY_MANY_CHUNK + i);
                read_with(p, &at, Some(&options.settings))
            })
            .collect();
        let inputs: Vec<sesgo::Result<VerifyInput<'_>>> = read
            .iter()
            .map(|r| match r {
                Ok(b) => Ok(VerifyInput {
                    bundle: Some(b),
                    ..Default::default()
                }),
                Err(e) => Err(e.clone()),
            })
            .collect();
        let verified = sesgo::verify_batch_items(&inputs, &trust, &options, a.threads)?;
        for (path, v) in chunk.iter().zip(verified) {
            if v.valid {
                valid += 1;
            } else {
                invalid += 1;
            }
            ui.note(format!(
                "{}: {} ({})",
                path.display(),
                if v.valid { "VALID" } else { "INVALID" },
                v.indication.as_str()
            ));
            let file = serde_json::to_string(&path.to_string_lossy())
                .map_err(|e| Error::new(sesgo::Code::System, format!("verify-many: {e}")))?;
            let line = format!("{{\"file\":{file},\"result\":{}}}\n", v.to_json());
            out.write_all(line.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| {
                    Error::new(
                        sesgo::Code::System,
                        format!("verify-many: falha ao escrever na saída padrão: {e}"),
                    )
                })?;
        }
    }
    ui.note(format!(
        "sesgo verify-many: {valid} válida(s), {invalid} inválida(s) de {}",
        a.files.len()
    ));
    Ok(Output::Done { ok: invalid == 0 })
}

pub(crate) fn refs_check(a: &RefsCheckArgs, ui: &Ui) -> sesgo::Result<Output> {
    let bundle = read(&a.bundle, "--bundle")?;
    let provenance = read_opt(a.provenance.as_deref(), "--provenance")?;
    let options = ReferenceCheckOptions {
        policy: a.policy.clone(),
        validating: a.validating,
        strict_order: a.strict_order,
        max_entries_bundle: None,
    };
    let oo: OperationOutcome = sesgo::check_references(&bundle, provenance.as_deref(), &options)?;
    let ok = oo.is_success();
    ui.note(format!(
        "sesgo refs check: {}",
        if ok { "conformant" } else { "ERRORS" }
    ));
    ui.findings(oo.issues());
    Ok(Output::Json {
        json: oo.to_json(),
        ok,
    })
}

/// Each file is a resource, an array of resources or (alone) a Bundle; the facade reads
/// each one strictly, once (`sesgo::build_bundle_parts`; decimals such as `36.50` survive).
pub(crate) fn bundle_build(a: &BundleBuildArgs, ui: &Ui) -> sesgo::Result<Output> {
    let mut options = match &a.options {
        Some(p) => BuildBundleOptions::from_json(&read(p, "--options")?)?,
        None => BuildBundleOptions::default(),
    };
    if a.base_url.is_some() {
        options.base_url = a.base_url.clone();
    }
    if a.bundle_type.is_some() {
        options.bundle_type = a.bundle_type.clone();
    }
    // Every file read once, bounded, and parsed once by the facade's strict reader
    // (docs/adr/0058): a resource, an array of resources, or a Bundle given alone.
    let files = a
        .files
        .iter()
        .map(|p| read(p, "FILES"))
        .collect::<sesgo::Result<Vec<_>>>()?;
    let parts: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let bundle = sesgo::build_bundle_parts(&parts, &options).map_err(|e| {
        // `resources[i]` is the i-th file: say which.
        let named = e.findings().iter().find_map(|f| {
            f.locations().iter().find_map(|l| {
                let i: usize = l
                    .strip_prefix("resources[")?
                    .split(']')
                    .next()?
                    .parse()
                    .ok()?;
                a.files.get(i)
            })
        });
        match named {
            Some(p) => Error::new(
                e.code(),
                format!("'{}': {}", p.display(), e.primary().diagnostics()),
            )
            .at("FILES"),
            None => e,
        }
    })?;
    let n = bundle.member("entry").as_array().map_or(0, Vec::len);
    ui.note(format!("sesgo bundle build: {n} entries"));
    Ok(Output::Json {
        json: bundle.to_json(),
        ok: true,
    })
}

pub(crate) fn cert_inspect(a: &CertInspectArgs, ui: &Ui) -> sesgo::Result<Output> {
    let options = sesgo::InspectOptions {
        reference_time: a.reference_time,
        alias: a.alias.clone(),
    };
    if let Some(module) = &a.source.pkcs11_module {
        return pkcs11_inspect(a, module, ui);
    }
    let trust = a.trust.build()?;
    let report = if let Some(p12) = &a.source.p12 {
        let bytes = read_secret(p12, "--p12")?;
        let password = password_from_env(a.password_env.as_deref(), "--password-env")?;
        sesgo::inspect_certificate_with_trust(&bytes, Some(&password), &options, &trust)?
    } else if let Some(cert) = &a.source.cert {
        sesgo::inspect_certificate_with_trust(&read(cert, "--cert")?, None, &options, &trust)?
    } else {
        return Err(Error::new(Code::ConfigMissingParameter, "informe --p12 ou --cert").at("argv"));
    };
    ui.note(format!(
        "sesgo cert inspect: {}",
        report.member("subject").as_str().unwrap_or("?")
    ));
    ui.note(format!(
        "  type {}; valid until {}",
        report
            .member("certificateType")
            .as_str()
            .unwrap_or("unknown"),
        report
            .member("validity")
            .member("notAfter")
            .as_str()
            .unwrap_or("?"),
    ));
    let trusted = report.member("trust").member("trusted").as_bool() == Some(true);
    ui.note(format!(
        "  trusted (chains to a root of the trust store): {}",
        if trusted { "yes" } else { "NO" }
    ));
    if !trusted {
        if let Some(fs) = report.member("trust").member("findings").as_array() {
            for f in fs {
                ui.note(format!(
                    "    {} {}: {}",
                    f.member("severity").as_str().unwrap_or("?"),
                    f.member("code").as_str().unwrap_or("?"),
                    f.member("diagnostics").as_str().unwrap_or("")
                ));
            }
        }
    }
    if let Some(e) = report.member("eligibility").as_object() {
        for (family, v) in e.iter() {
            ui.note(format!(
                "  eligible under policy {family} (the certificate's content only): {}",
                if v["eligible"].as_bool() == Some(true) {
                    "yes"
                } else {
                    "no"
                }
            ));
        }
    }
    Ok(Output::Json {
        json: report.to_json(),
        ok: true,
    })
}

pub(crate) fn pkcs11_inspect(a: &CertInspectArgs, module: &Path, ui: &Ui) -> sesgo::Result<Output> {
    let pin = match &a.pin_env {
        Some(var) => Some(password_from_env(Some(var), "--pin-env")?),
        None => None,
    };
    let report = sesgo::pkcs11::inspect_pkcs11(
        &module.to_string_lossy(),
        a.slot,
        a.token_label.as_deref(),
        pin.as_ref().map(|p| p.as_str()),
    )?;
    ui.note(format!(
        "sesgo cert inspect: PKCS#11 module {}",
        report
            .member("library")
            .member("description")
            .as_str()
            .unwrap_or("?")
    ));
    for slot in report
        .member("slots")
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let token = &slot["token"];
        let Some(label) = token["label"].as_str() else {
            continue;
        };
        ui.note(format!(
            "  slot {}: token '{label}'{}",
            slot["slotId"].as_u64().unwrap_or_default(),
            if token["userPinLocked"].as_bool() == Some(true) {
                " (PIN bloqueado)"
            } else {
                ""
            }
        ));
        for c in token["certificates"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            ui.note(format!(
                "    certificate --key-id {} ({}): {}",
                c["id"].as_str().unwrap_or(""),
                c["label"].as_str().unwrap_or(""),
                c["subject"].as_str().unwrap_or("?")
            ));
        }
        for k in token["privateKeys"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            ui.note(format!(
                "    private key --key-id {} ({}): {}",
                k["id"].as_str().unwrap_or(""),
                k["label"].as_str().unwrap_or(""),
                k["keyType"].as_str().unwrap_or("?")
            ));
        }
    }
    Ok(Output::Json {
        json: report.to_json(),
        ok: true,
    })
}

pub(crate) fn attachment_fill(a: &AttachmentArgs, ui: &Ui) -> sesgo::Result<Output> {
    let (attachment, content, options) = a.read()?;
    let filled = sesgo::fill_attachment(&attachment, content.as_deref(), &options)?;
    ui.note(format!(
        "sesgo attachment fill: {} bytes, hash-sha256 {}",
        filled.member("size").as_u64().unwrap_or(0),
        filled
            .member("extension")
            .item(0)
            .member("valueBase64Binary")
            .as_str()
            .unwrap_or("?"),
    ));
    Ok(Output::Json {
        json: filled.to_json(),
        ok: true,
    })
}

pub(crate) fn attachment_check(a: &AttachmentArgs, ui: &Ui) -> sesgo::Result<Output> {
    let (attachment, content, options) = a.read()?;
    let oo = sesgo::check_attachment(&attachment, content.as_deref(), &options)?;
    let ok = oo.is_success();
    ui.note(format!(
        "sesgo attachment check: {}",
        if ok { "conformant" } else { "ERRORS" }
    ));
    ui.findings(oo.issues());
    Ok(Output::Json {
        json: oo.to_json(),
        ok,
    })
}

pub(crate) fn canonicalize(a: &CanonicalizeArgs, ui: &Ui) -> sesgo::Result<Output> {
    let input = read(&a.file, "FILE")?;
    let canon = sesgo::canonicalize(&input, a.policy.as_deref())?;
    ui.note(format!(
        "sesgo canonicalize: {} bytes under {}",
        canon.len(),
        policy_label(a.policy.as_deref())
    ));
    Ok(Output::Bytes(canon))
}

pub(crate) fn cert_export(a: &CertExportArgs, ui: &Ui) -> sesgo::Result<Output> {
    let format = match a.format {
        ExportFormatArg::Pem => sesgo::ExportFormat::Pem,
        ExportFormatArg::Der => sesgo::ExportFormat::Der,
        ExportFormatArg::Jwk => sesgo::ExportFormat::Jwk,
        ExportFormatArg::Jwks => sesgo::ExportFormat::Jwks,
    };
    let out = if let Some(p12) = &a.p12 {
        let bytes = read_secret(p12, "--p12")?;
        let password = password_from_env(a.password_env.as_deref(), "--password-env")?;
        sesgo::export_certificate(&bytes, Some(&password), a.alias.as_deref(), format)?
    } else if let Some(cert) = &a.cert {
        sesgo::export_certificate(&read(cert, "--cert")?, None, None, format)?
    } else {
        return Err(Error::new(Code::ConfigMissingParameter, "informe --p12 ou --cert").at("argv"));
    };
    ui.note(format!(
        "sesgo cert export: {:?}, {} bytes",
        a.format,
        out.len()
    ));
    match &a.out {
        Some(path) => {
            write(path, &out, "--out")?;
            Ok(Output::Done { ok: true })
        }
        None => Ok(Output::Bytes(out)),
    }
}

pub(crate) fn token(a: &TokenArgs, ui: &Ui) -> sesgo::Result<Output> {
    use sesgo::token::{ClientAuth, TokenOptions, DEFAULT_ASSERTION_TTL_SECS};
    let auth = match &a.auth.client_secret_env {
        Some(var) => ClientAuth::Secret(password_from_env(Some(var), "--client-secret-env")?),
        None => ClientAuth::PrivateKeyJwt {
            ttl_secs: a.assertion_ttl.unwrap_or(DEFAULT_ASSERTION_TTL_SECS),
            hub_ctx: None,
        },
    };
    let mut options = TokenOptions::new(a.client_id.clone(), auth);
    options.issuer = a.server.issuer.clone();
    options.token_endpoint = a.server.token_endpoint.clone();
    options.scope = a.scope.clone();
    options.mtls = !a.no_mtls;
    options.use_cache = false;
    if let Some(t) = a.timeout {
        options.timeout_secs = t;
    }
    options.ca_certs_pem = read_opt(a.server_ca_certs.as_deref(), "--ca-certs")?
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let network = a.network.build(&sesgo::Settings::default())?;
    let signer = a.signer.build()?;
    let t = sesgo::token::token(&network, &signer, &options)?;
    ui.note(format!(
        "sesgo token: {} {} (expira em {} s{})",
        t.token_type(),
        t.redacted(),
        t.expires_in(),
        t.cnf_x5t_s256()
            .map(|c| format!("; vinculado ao certificado x5t#S256={c}"))
            .unwrap_or_default()
    ));
    Ok(Output::Json {
        json: t.response_json().to_owned(),
        ok: true,
    })
}
