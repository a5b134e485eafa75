//! `sesgo.Signer` and `sesgo.TrustStore`: frozen native classes around the facade's
//! immutable, `Send + Sync`, Arc-backed objects, so one instance can be shared by every
//! thread of a pool.

use crate::call;
use crate::input::{password_bytes, password_str, pem_string, source};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use sesgo::{Code, Error};

/// Who signs: a private key read from a PKCS#12 or PEM, or an external signing function
/// (a PKCS#11 token, a cloud KMS, ...), with the certificate chain.
///
/// Build it with :meth:`from_pkcs12`, :meth:`from_pem` or :meth:`external`. Immutable and
/// safe to share across threads; build it once and reuse it.
#[pyclass(frozen, module = "sesgo", name = "Signer")]
pub struct Signer {
    pub inner: sesgo::Signer,
    external: bool,
}

#[pymethods]
impl Signer {
    /// From a PKCS#12 (``.p12``/``.pfx``: PBES2/AES or legacy 3DES/RC2) given as bytes or
    /// as a path, its password (``str``/``bytes``/``bytearray``) and, when the file holds
    /// several keys, the alias (friendlyName) of the one to use.
    ///
    /// Raises :class:`~sesgo.exceptions.CryptoError` ``CRYPTO.KEY-INACCESSIBLE`` for a
    /// wrong password, :class:`~sesgo.exceptions.DeviceError` for an unknown alias or a
    /// file without a key, :class:`~sesgo.exceptions.CertificateError` for a file that is
    /// not PKCS#12, :class:`~sesgo.exceptions.ConfigError` for an unreadable path.
    #[staticmethod]
    #[pyo3(signature = (pkcs12, password, alias = None))]
    fn from_pkcs12(
        py: Python<'_>,
        pkcs12: &Bound<'_, PyAny>,
        password: &Bound<'_, PyAny>,
        alias: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let alias = crate::input::opt_text(alias, "alias")?;
        let data = source(pkcs12, "pkcs12", false)?;
        let password = password_str(password)?;
        let inner = call(py, || {
            sesgo::Signer::from_pkcs12(&data, &password, alias.as_deref())
        })?;
        Ok(Signer {
            inner,
            external: false,
        })
    }

    /// From a PEM private key (PKCS#8, encrypted PKCS#8 with ``password``, or PKCS#1) and
    /// the PEM certificates: the key's certificate first, then its ACs — the same chain
    /// the CLI's ``--chain`` and every binding take (the key's certificate is found by its
    /// public key, so another order is tolerated, not required). Each of
    /// ``key`` and ``chain`` is PEM text (``str`` holding ``-----BEGIN``, or ``bytes``) or
    /// a path.
    ///
    /// Raises ``CRYPTO.KEY-INACCESSIBLE`` (missing/wrong password, unreadable key),
    /// ``FORMAT.CERT-PEM-INVALID``, ``DEVICE.CERTIFICATE-NOT-FOUND`` (no certificate for
    /// the key).
    #[staticmethod]
    #[pyo3(signature = (key, chain, password = None))]
    fn from_pem(
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        chain: &Bound<'_, PyAny>,
        password: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let key = source(key, "key", true)?;
        let chain = source(chain, "chain", true)?;
        let password = password.map(password_bytes).transpose()?;
        let inner = call(py, || {
            sesgo::Signer::from_pem(&key, password.as_ref().map(|p| p.as_slice()), &chain)
        })?;
        Ok(Signer {
            inner,
            external: false,
        })
    }

    /// From a key on a PKCS#11 token or smartcard (ICP-Brasil A3): the key never leaves
    /// the device. ``module``: absolute path of the PKCS#11 library. ``pin``: ``str`` /
    /// ``bytes`` (tried once: a wrong PIN is never retried), or a callable
    /// ``(attempt: int) -> str`` asked again after a wrong PIN up to
    /// ``settings["maxPinAttempts"]`` (default 1). The key by ``key_id`` (CKA_ID, hex)
    /// or ``key_label`` (CKA_LABEL); the token by ``slot_id`` or ``token_label`` (neither:
    /// auto-discovery). ``settings``: the guide's middleware settings, ``sessionMode``
    /// (``"read-only"``/``"read-write"``), ``sessionTimeout`` [60, 3600],
    /// ``maxPinAttempts`` [1, 10], ``connectionTimeout`` [3, 60], ``retryInterval``
    /// [1, 30], ``maxRetries`` [0, 10], ``mechanism`` (``"auto"``,
    /// ``"CKM_SHA256_RSA_PKCS"``, ``"CKM_RSA_PKCS"``), ``architecture`` (``"32"``/``"64"``).
    ///
    /// Raises :class:`~sesgo.exceptions.CryptoError` ``CRYPTO.PIN-INVALID``,
    /// :class:`~sesgo.exceptions.DeviceError` (``DEVICE.PIN-BLOCKED``,
    /// ``DEVICE.TOKEN-NOT-FOUND``, ``DEVICE.CERTIFICATE-NOT-FOUND``,
    /// ``DEVICE.KEY-ACCESS-DENIED``, ``DEVICE.MIDDLEWARE-ERROR``) or a ``MIDDLEWARE.*``
    /// error (module path/format, slot, label, settings out of range).
    #[staticmethod]
    #[pyo3(signature = (module, pin, *, key_id = None, key_label = None, slot_id = None, token_label = None, settings = None))]
    #[allow(clippy::too_many_arguments)]
    fn from_pkcs11(
        py: Python<'_>,
        module: &Bound<'_, PyAny>,
        pin: &Bound<'_, PyAny>,
        key_id: Option<&Bound<'_, PyAny>>,
        key_label: Option<&Bound<'_, PyAny>>,
        slot_id: Option<&Bound<'_, PyAny>>,
        token_label: Option<&Bound<'_, PyAny>>,
        settings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let inner = crate::pkcs11::signer_from_pkcs11(
            py,
            module,
            pin,
            key_id,
            key_label,
            slot_id,
            token_label,
            settings,
        )?;
        Ok(Signer {
            inner,
            external: false,
        })
    }

    /// An external signer. ``chain``: the certificates, leaf first, as PEM (text, bytes or
    /// a path) or as a list of DER ``bytes``. ``sign``: a callable receiving the JWS
    /// signing input (``bytes``) and returning the raw RS256 signature
    /// (RSASSA-PKCS1-v1_5 with SHA-256) as ``bytes``; sesgo checks it against the leaf
    /// certificate's key before using it.
    ///
    /// The callable runs on the thread that called :func:`sesgo.sign`, holding the GIL.
    /// If it raises a :class:`~sesgo.exceptions.SesgoError`, that code is kept (e.g.
    /// ``DEVICE.PIN-BLOCKED`` from a token library wrapper); any other exception, or a
    /// result that is not ``bytes``, fails the signing with
    /// ``CRYPTO.SIGNATURE-CREATION-FAILED`` and the exception text in the diagnostics.
    #[staticmethod]
    fn external(py: Python<'_>, chain: &Bound<'_, PyAny>, sign: Py<PyAny>) -> PyResult<Self> {
        if !sign.bind(py).is_callable() {
            return Err(crate::input::type_error(
                py,
                "sign",
                "sign: esperado um callable (bytes) -> bytes".to_owned(),
            ));
        }
        let f = move |input: &[u8]| Python::attach(|py| call_external(py, &sign, input));
        let inner = if chain.is_instance_of::<PyList>() || chain.is_instance_of::<PyTuple>() {
            let mut der = Vec::new();
            for (i, item) in chain.try_iter()?.enumerate() {
                let item = item?;
                match crate::input::bytes_like(&item)? {
                    Some(b) => der.push(b.to_vec()),
                    None => {
                        return Err(crate::input::type_error(
                            py,
                            "chain",
                            format!(
                                "chain[{i}]: esperado bytes (certificado DER), recebido {}",
                                item.get_type().name()?
                            ),
                        ))
                    }
                }
            }
            call(py, || sesgo::Signer::external(&der, f))?
        } else {
            let pem = source(chain, "chain", true)?;
            call(py, || sesgo::Signer::external_pem(&pem, f))?
        };
        Ok(Signer {
            inner,
            external: true,
        })
    }

    /// The certificates as DER ``bytes``, leaf first.
    #[getter]
    fn certificate_chain<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner
            .chain()
            .iter()
            .map(|c| PyBytes::new(py, c.der()))
            .collect()
    }

    /// The leaf certificate's subject (RFC 4514 string).
    #[getter]
    fn subject(&self) -> String {
        self.inner
            .chain()
            .first()
            .map(|c| c.subject())
            .unwrap_or_default()
    }

    /// True for a signer built with :meth:`external`.
    #[getter]
    fn is_external(&self) -> bool {
        self.external
    }

    fn __repr__(&self) -> String {
        let kind = if self.external {
            "external"
        } else {
            "local key"
        };
        format!("<sesgo.Signer {kind}: {}>", self.subject())
    }
}

/// Calls the Python signing function with the GIL held (the caller is inside
/// `py.detach`, so re-attaching here cannot deadlock: this thread released the GIL).
fn call_external(py: Python<'_>, f: &Py<PyAny>, input: &[u8]) -> sesgo::Result<Vec<u8>> {
    let failed = |msg: String| Error::new(Code::CryptoSignatureCreationFailed, msg).at("sign");
    match f.call1(py, (PyBytes::new(py, input),)) {
        Ok(out) => {
            let out = out.bind(py);
            match out.cast::<PyBytes>() {
                Ok(b) => Ok(b.as_bytes().to_vec()),
                Err(_) => Err(failed(format!(
                    "a função de assinatura externa devolveu {}, não bytes",
                    out.get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_else(|_| "?".into())
                ))),
            }
        }
        Err(e) => Err(from_python_exception(py, e).unwrap_or_else(failed)),
    }
}

/// A `SesgoError` raised by the callable keeps its code (and location); anything else
/// becomes the text of a `CRYPTO.SIGNATURE-CREATION-FAILED`.
fn from_python_exception(py: Python<'_>, e: PyErr) -> std::result::Result<Error, String> {
    let value = e.value(py);
    let text = format!(
        "a função de assinatura externa levantou {}: {}",
        value
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "exceção".into()),
        value
            .str()
            .map(|s| s.to_string())
            .unwrap_or_else(|_| String::new())
    );
    let base = py
        .import("sesgo.exceptions")
        .and_then(|m| m.getattr("SesgoError"));
    let Ok(base) = base else { return Err(text) };
    if !value.is_instance(&base).unwrap_or(false) {
        return Err(text);
    }
    let code = value
        .getattr("code")
        .and_then(|c| c.extract::<String>())
        .ok()
        .and_then(|c| Code::from_code_str(&c));
    let Some(code) = code else { return Err(text) };
    let diagnostics = value
        .getattr("diagnostics")
        .and_then(|d| d.extract::<String>())
        .unwrap_or(text);
    let err = Error::new(code, diagnostics);
    Ok(
        match value
            .getattr("location")
            .and_then(|l| l.extract::<Option<String>>())
        {
            Ok(Some(loc)) => err.at(loc),
            _ => err.at("sign"),
        },
    )
}

/// The certificates sesgo trusts: roots by SHA-256 fingerprint (trust is decided only by
/// them) and CA certificates that help complete chains. With no argument, the embedded
/// ICP-Brasil roots v5 and v12.
///
/// ``root_sha256``: hex fingerprints of trusted roots (case and ``:`` ignored).
/// ``root_certs_pem``: trusted root certificates (PEM text, bytes or a path).
/// ``ca_certs_pem``: intermediate CA certificates (PEM text, bytes or a path).
/// ``ca_dir``: a directory of CA certificates (``.pem``, ``.crt``, ``.cer``, ``.der``).
/// ``ca_archive``: ITI's ``ACcompactado.zip`` (a path); its certificates join the pool
/// after its SHA-512 is checked against ``ca_archive_sha512`` (default: the
/// ``hashsha512.txt`` beside it).
/// ``icp_brasil``: also trust the embedded ICP-Brasil roots (default: only when no root
/// is given).
///
/// Immutable and safe to share across threads. Raises
/// :class:`~sesgo.exceptions.ConfigError` (``CONFIG.INVALID-PARAMETER``,
/// ``CONFIG.TRUST-STORE-EMPTY``) or the certificate's code for unreadable PEM.
#[pyclass(frozen, module = "sesgo", name = "TrustStore")]
pub struct TrustStore {
    pub inner: sesgo::TrustStore,
}

#[pymethods]
impl TrustStore {
    #[new]
    // One argument per keyword of the Python constructor (TrustStoreOptions' members).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (root_sha256 = None, root_certs_pem = None, ca_certs_pem = None, ca_dir = None, icp_brasil = None, ca_archive = None, ca_archive_sha512 = None))]
    fn new(
        py: Python<'_>,
        root_sha256: Option<&Bound<'_, PyAny>>,
        root_certs_pem: Option<&Bound<'_, PyAny>>,
        ca_certs_pem: Option<&Bound<'_, PyAny>>,
        ca_dir: Option<&Bound<'_, PyAny>>,
        icp_brasil: Option<&Bound<'_, PyAny>>,
        ca_archive: Option<&Bound<'_, PyAny>>,
        ca_archive_sha512: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        use crate::input::{opt_bool, opt_path, opt_text_list};
        let root_sha256 = opt_text_list(root_sha256, "root_sha256")?;
        let ca_dir = opt_path(ca_dir, "ca_dir")?;
        let icp_brasil = opt_bool(icp_brasil, "icp_brasil")?;
        let ca_archive = opt_path(ca_archive, "ca_archive")?;
        let ca_archive_sha512 = opt_path(ca_archive_sha512, "ca_archive_sha512")?;
        let opts = sesgo::TrustStoreOptions {
            icp_brasil,
            root_sha256: root_sha256.unwrap_or_default(),
            root_certs_pem: root_certs_pem
                .filter(|o| !o.is_none())
                .map(|o| pem_string(o, "rootCertsPem"))
                .transpose()?,
            ca_certs_pem: ca_certs_pem
                .filter(|o| !o.is_none())
                .map(|o| pem_string(o, "caCertsPem"))
                .transpose()?,
            ca_dir: ca_dir.map(|d| d.to_string_lossy().into_owned()),
            ca_archive: ca_archive.map(|d| d.to_string_lossy().into_owned()),
            ca_archive_sha512: ca_archive_sha512.map(|d| d.to_string_lossy().into_owned()),
        };
        let inner = call(py, || opts.build())?;
        Ok(TrustStore { inner })
    }

    /// The embedded ICP-Brasil roots v5 and v12 (the default of :func:`sesgo.sign` and
    /// :func:`sesgo.verify`).
    #[staticmethod]
    fn icp_brasil(py: Python<'_>) -> PyResult<Self> {
        let inner = call(py, || {
            sesgo::TrustStoreOptions {
                icp_brasil: Some(true),
                ..Default::default()
            }
            .build()
        })?;
        Ok(TrustStore { inner })
    }

    /// SHA-256 fingerprints (hex) of the trusted roots.
    #[getter]
    fn root_sha256(&self) -> Vec<String> {
        self.inner.fingerprints_hex()
    }

    fn __repr__(&self) -> String {
        format!(
            "<sesgo.TrustStore roots={:?}>",
            self.inner.fingerprints_hex()
        )
    }
}

/// The store `None` stands for: the embedded ICP-Brasil roots.
pub fn default_trust_store() -> sesgo::Result<sesgo::TrustStore> {
    sesgo::TrustStoreOptions::default().build()
}
