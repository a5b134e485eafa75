//! `sesgo.Network` (issue 18): the facade's network context, optionally over a Python
//! callable as transport, AIA chain completion (`trust_store`, `build_x5c`) and the ITI
//! trust-store refresh. Glue only.

use crate::call;
use crate::handles::TrustStore;
use crate::input::source;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use std::sync::Arc;

/// A Python transport: ``fetch(method, url, purpose, headers, body, timeout, max_bytes)``
/// returning ``(status, content_type, body)``.
struct PyFetch {
    f: Py<PyAny>,
}

impl PyFetch {
    fn call(
        &self,
        py: Python<'_>,
        r: &sesgo::network::Request<'_>,
    ) -> PyResult<(u16, Option<String>, Vec<u8>)> {
        let headers = PyDict::new(py);
        for (k, v) in r.headers {
            headers.set_item(k, v)?;
        }
        if let Some(ct) = r.content_type {
            headers.set_item("Content-Type", ct)?;
        }
        if let Some(a) = r.accept {
            headers.set_item("Accept", a)?;
        }
        let method = match r.method {
            sesgo::network::Method::Get => "GET",
            sesgo::network::Method::Post => "POST",
        };
        let body = r.body.map(|b| PyBytes::new(py, b));
        let args = PyTuple::new(
            py,
            [
                method.into_pyobject(py)?.into_any(),
                r.url.into_pyobject(py)?.into_any(),
                r.purpose.as_str().into_pyobject(py)?.into_any(),
                headers.into_any(),
                body.map_or_else(|| py.None().into_bound(py), |b| b.into_any()),
                r.timeout.as_secs_f64().into_pyobject(py)?.into_any(),
                r.max_bytes.into_pyobject(py)?.into_any(),
            ],
        )?;
        let out = self.f.bind(py).call1(args)?;
        out.extract::<(u16, Option<String>, Vec<u8>)>()
    }
}

impl sesgo::network::Fetch for PyFetch {
    fn fetch(
        &self,
        request: &sesgo::network::Request<'_>,
    ) -> Result<sesgo::network::Response, sesgo::network::FetchError> {
        let url = request.url.to_owned();
        if !(url.starts_with("https://")
            || (url.starts_with("http://") && request.purpose.allows_plain_http()))
        {
            return Err(sesgo::network::FetchError::Scheme { url });
        }
        let result = Python::attach(|py| {
            self.call(py, request).map_err(|e| {
                let value = e.value(py);
                let name = value
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| "exceção".into());
                format!("o transporte Python levantou {name}: {value}")
            })
        });
        let (status, content_type, body) =
            result.map_err(|detail| sesgo::network::FetchError::Custom {
                url: url.clone(),
                detail,
            })?;
        if body.len() as u64 > request.max_bytes {
            return Err(sesgo::network::FetchError::TooLarge {
                url,
                max_bytes: request.max_bytes,
            });
        }
        Ok(sesgo::network::Response {
            status,
            content_type,
            retry_after_secs: None,
            body,
        })
    }
}

/// The network context: one transport (sesgo's HTTP client, or ``fetch``), one on-disk
/// cache and the network settings. ``settings`` and ``options`` are JSON bytes (see
/// :func:`sesgo.network`, which builds them from keywords). Immutable, thread-safe.
#[pyclass(frozen, module = "sesgo", name = "Network")]
pub struct Network {
    pub(crate) inner: sesgo::Network,
}

#[pymethods]
impl Network {
    #[new]
    #[pyo3(signature = (settings = b"".as_slice(), options = b"".as_slice(), fetch = None))]
    fn new(
        py: Python<'_>,
        settings: &[u8],
        options: &[u8],
        fetch: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let settings = settings.to_vec();
        let options = options.to_vec();
        let inner = call(py, move || {
            let s = if settings.is_empty() {
                sesgo::Settings::default()
            } else {
                sesgo::Settings::from_json(&settings)?
            };
            let o = if options.is_empty() {
                sesgo::NetworkOptions::default()
            } else {
                sesgo::NetworkOptions::from_json(&options)?
            };
            match fetch {
                Some(f) => sesgo::Network::with_fetcher(Arc::new(PyFetch { f }), &s, &o),
                None => sesgo::Network::new(&s, &o),
            }
        })?;
        Ok(Network { inner })
    }

    /// Whether network access is disabled (``{"network": false}``).
    #[getter]
    fn offline(&self) -> bool {
        self.inner.is_offline()
    }

    /// The cache directory in use, if any.
    #[getter]
    fn cache_dir(&self) -> Option<String> {
        self.inner
            .cache()
            .map(|c| c.dir().to_string_lossy().into_owned())
    }

    /// A new trust store (same roots and pool) with this network attached: ``sign``,
    /// ``verify`` and ``build_x5c`` with it complete chains through AIA ``caIssuers`` and
    /// make their OCSP, CRL and TSA requests through this network (its transport, cache
    /// and offline mode). Trust still comes only from its pinned roots.
    fn trust_store(&self, trust_store: &Bound<'_, TrustStore>) -> TrustStore {
        TrustStore {
            inner: self.inner.attach(&trust_store.get().inner),
        }
    }

    /// Refreshes ITI's CA archive into the cache; returns the JSON report (``changed``,
    /// ``sha512``, ``certificates``, ``added``, ``removed``, ``ageSecs``, ``cacheDir``...).
    fn refresh_trust_store(&self, py: Python<'_>) -> PyResult<String> {
        let net = self.inner.clone();
        call(py, move || {
            Ok(net.refresh_trust_store_report()?.to_string())
        })
    }

    /// What trust rests on, never the network: the roots of ``trust_store`` and what this
    /// network's cache holds (ITI archive, AIA downloads, with ages); JSON.
    fn trust_store_report(&self, trust_store: &Bound<'_, TrustStore>) -> String {
        self.inner
            .trust_store_report(&trust_store.get().inner)
            .to_string()
    }
}

/// Caso de uso *montar cadeia*: the ``x5c`` (standard Base64 DER, leaf first, root last)
/// of a certificate given as PEM text, bytes or a path.
#[pyfunction]
#[pyo3(signature = (certificate, trust_store, settings))]
pub fn build_x5c(
    py: Python<'_>,
    certificate: &Bound<'_, PyAny>,
    trust_store: &Bound<'_, TrustStore>,
    settings: &[u8],
) -> PyResult<Vec<String>> {
    let cert = source(certificate, "certificate", true)?;
    let trust = trust_store.get().inner.clone();
    let settings = settings.to_vec();
    call(py, move || {
        let s = if settings.is_empty() {
            sesgo::Settings::default()
        } else {
            sesgo::Settings::from_json(&settings)?
        };
        sesgo::build_x5c(&cert, &trust, &s, None)
    })
}
