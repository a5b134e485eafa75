//! Reading inputs: files, secrets, environment variables, settings, trust and signer options.

use crate::args::*;
use sesgo::{Code, Error, InputKind, Settings, Signer, TrustStore, TrustStoreOptions};
use std::path::Path;
use zeroize::Zeroizing;

/// Where an error about an option's input is located in an OperationOutcome: the FHIR
/// root the option supplies (`Bundle`, `Provenance`, `Signature`, `Signature.data`), or
/// nothing for inputs that are not FHIR (keys, settings files, outputs) — an outcome's
/// `location` is a FHIRPath-like path into the input, never a command-line option; the
/// option is named in `diagnostics`.
pub(crate) fn located(e: Error, option: &str) -> Error {
    match option {
        "--bundle" => e.at("Bundle"),
        "--provenance" => e.at("Provenance"),
        "--signature" => e.at("Signature"),
        "--signature-data" => e.at("Signature.data"),
        "--attachment" => e.at("Attachment"),
        _ => e,
    }
}

/// The kind of input an option supplies, which decides its size limit (docs/adr/0058).
fn kind_of(option: &str) -> InputKind {
    match option {
        "--bundle" => InputKind::Bundle,
        "--provenance" => InputKind::Provenance,
        "--signature" => InputKind::Signature,
        "--signature-data" => InputKind::SignatureData,
        "--settings" | "--options" | "--pkcs11-settings" => InputKind::Settings,
        "--p12" | "--key" | "--cert" => InputKind::Credential,
        "--attachment" | "--content" => InputKind::Attachment,
        "FILES" | "FILE" => InputKind::Resource,
        _ => InputKind::Certificates,
    }
}

/// Reads a file, at most its limit + 1 byte (`sesgo::read_input_file`); failure names
/// the option.
pub(crate) fn read(path: &Path, option: &str) -> sesgo::Result<Vec<u8>> {
    read_with(path, option, None)
}

/// [`read`] with the settings' `maxBundleBytes` for `--bundle` and `--provenance`.
pub(crate) fn read_with(
    path: &Path,
    option: &str,
    settings: Option<&Settings>,
) -> sesgo::Result<Vec<u8>> {
    sesgo::read_input_file(path, kind_of(option), settings).map_err(|e| {
        let f = e.primary();
        located(
            Error::new(f.code(), format!("{option}: {}", f.diagnostics())),
            option,
        )
    })
}

/// Reads a file holding secret material (key, PKCS#12): zeroized when dropped.
pub(crate) fn read_secret(path: &Path, option: &str) -> sesgo::Result<Zeroizing<Vec<u8>>> {
    read(path, option).map(Zeroizing::new)
}

pub(crate) fn read_opt(path: Option<&Path>, option: &str) -> sesgo::Result<Option<Vec<u8>>> {
    path.map(|p| read(p, option)).transpose()
}

pub(crate) fn write(path: &Path, bytes: &[u8], option: &str) -> sesgo::Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        Error::new(
            Code::ConfigInvalidParameter,
            format!(
                "{option}: não foi possível gravar '{}': {e}",
                path.display()
            ),
        )
    })
}

/// A password from the environment variable `var` (never from argv), zeroized on drop.
pub(crate) fn password_from_env(
    var: Option<&str>,
    option: &str,
) -> sesgo::Result<Zeroizing<String>> {
    let var = var.ok_or_else(|| {
        Error::new(
            Code::ConfigMissingParameter,
            format!(
                "senha ausente: informe {option} com o nome da variável de ambiente que a contém"
            ),
        )
    })?;
    match std::env::var(var) {
        Ok(v) => Ok(Zeroizing::new(v)),
        Err(std::env::VarError::NotPresent) => Err(Error::new(
            Code::ConfigMissingParameter,
            format!("{option}: variável de ambiente {var} não definida"),
        )),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::new(
            Code::ConfigInvalidParameter,
            format!("{option}: variável de ambiente {var} não é UTF-8"),
        )),
    }
}

pub(crate) fn settings(path: Option<&Path>) -> sesgo::Result<Settings> {
    match path {
        Some(p) => Settings::from_json(&read(p, "--settings")?),
        None => Ok(Settings::default()),
    }
}

impl TrustArgs {
    pub(crate) fn build(&self) -> sesgo::Result<TrustStore> {
        let pem = |p: Option<&Path>, option: &str| -> sesgo::Result<Option<String>> {
            Ok(read_opt(p, option)?.map(|b| String::from_utf8_lossy(&b).into_owned()))
        };
        TrustStoreOptions {
            icp_brasil: self.icp_brasil.then_some(true),
            root_sha256: self.trust_root_sha256.clone(),
            root_certs_pem: pem(self.trust_roots_pem.as_deref(), "--trust-roots-pem")?,
            ca_certs_pem: pem(self.ca_certs.as_deref(), "--ca-certs")?,
            ca_dir: self
                .ca_dir
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned()),
            ca_archive: self
                .ca_archive
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned()),
            ca_archive_sha512: self
                .ca_archive_sha512
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned()),
        }
        .build()
    }
}

impl SignerArgs {
    pub(crate) fn build(&self) -> sesgo::Result<Signer> {
        if let Some(p12) = &self.source.p12 {
            let bytes = read_secret(p12, "--p12")?;
            let password = password_from_env(self.password_env.as_deref(), "--password-env")?;
            Signer::from_pkcs12(&bytes, &password, self.alias.as_deref())
        } else if let Some(key) = &self.source.key {
            let key_pem = read_secret(key, "--key")?;
            let chain_path = self
                .chain
                .as_deref()
                .ok_or_else(|| Error::new(Code::ConfigMissingParameter, "--key exige --chain"))?;
            let chain = read(chain_path, "--chain")?;
            let password = match &self.key_password_env {
                Some(var) => Some(password_from_env(Some(var), "--key-password-env")?),
                None => None,
            };
            Signer::from_pem(&key_pem, password.as_ref().map(|p| p.as_bytes()), &chain)
        } else if let Some(module) = &self.source.pkcs11_module {
            self.pkcs11.build(module)
        } else {
            Err(Error::new(Code::ConfigMissingParameter, "informe --p12 ou --key").at("argv"))
        }
    }
}

impl Pkcs11Args {
    pub(crate) fn build(&self, module: &Path) -> sesgo::Result<Signer> {
        let mut config = match &self.pkcs11_settings {
            Some(p) => sesgo::pkcs11::Pkcs11Config::from_json(&read(p, "--pkcs11-settings")?)
                .map_err(|e| e.nested_in("--pkcs11-settings"))?,
            None => sesgo::pkcs11::Pkcs11Config::default(),
        };
        config.module = Some(module.to_string_lossy().into_owned());
        if self.slot.is_some() {
            config.slot_id = self.slot;
        }
        if self.token_label.is_some() {
            config.token_label = self.token_label.clone();
        }
        if self.key_id.is_some() || self.key_label.is_some() {
            config.key_id = self.key_id.clone();
            config.key_label = self.key_label.clone();
        }
        if config.key_id.is_none() && config.key_label.is_none() {
            return Err(Error::new(
                Code::ConfigMissingParameter,
                "--pkcs11-module exige --key-id ou --key-label (veja sesgo cert inspect --pkcs11-module)",
            )
            .at("--key-id"));
        }
        let pin = password_from_env(self.pin_env.as_deref(), "--pin-env")?;
        let options = config.to_options()?;
        Signer::from_pkcs11(&options, sesgo::pkcs11::Pin::Value(pin))
    }
}

impl AttachmentArgs {
    pub(crate) fn read(
        &self,
    ) -> sesgo::Result<(Vec<u8>, Option<Vec<u8>>, sesgo::AttachmentOptions)> {
        let attachment = read(&self.attachment, "--attachment")?;
        let content = read_opt(self.content.as_deref(), "--content")?;
        let options = sesgo::AttachmentOptions {
            location: self.location.clone(),
        };
        Ok((attachment, content, options))
    }
}
