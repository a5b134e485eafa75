//! A result's JSON as Python objects, numbers exact, built here from the compact document
//! instead of through `json.loads` with Python hooks (issue 17; docs/adr/0075).
//!
//! The objects are exactly those `sesgo._exact.loads` makes from the same text: `dict`,
//! `list`, `str`, `bool`, `None`; an integer token as `int` (`-0`, and a token longer
//! than `int()` accepts, as a `JsonDecimal`); a token with a fraction or an exponent as a
//! `JsonDecimal` remembering it. A token `decimal.Decimal` cannot hold raises the
//! `ValueError` `_exact` raises. Text the strict parser does not take (a result nested
//! deeper than its ceiling) goes to `_exact.loads` itself, so both paths agree on every
//! input; the binding's tests compare them.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString};
use sesgo::json::{Doc, Kind, Limits, View, MAX_DEPTH_CEILING};
use std::collections::HashMap;

/// What the builder takes from `sesgo._exact`, looked up once per interpreter.
struct Exact {
    /// `sesgo._exact.loads`: the path for text the strict parser refuses.
    loads: Py<PyAny>,
    /// `decimal.Decimal.__new__`.
    decimal_new: Py<PyAny>,
    /// `sesgo._exact.JsonDecimal`.
    json_decimal: Py<PyAny>,
    /// `sesgo._exact._from_token`: raises the `ValueError` for a token `Decimal` refuses.
    from_token: Py<PyAny>,
    /// `sesgo._exact._parse_int`: the integer tokens an `i64` does not hold, and `-0`.
    parse_int: Py<PyAny>,
    /// The `gc` module.
    gc: Py<PyAny>,
}

static EXACT: PyOnceLock<Exact> = PyOnceLock::new();

fn exact(py: Python<'_>) -> PyResult<&Exact> {
    EXACT.get_or_try_init(py, || {
        let m = py.import("sesgo._exact")?;
        let decimal = py.import("decimal")?.getattr("Decimal")?;
        Ok(Exact {
            loads: m.getattr("loads")?.unbind(),
            decimal_new: decimal.getattr("__new__")?.unbind(),
            json_decimal: m.getattr("JsonDecimal")?.unbind(),
            from_token: m.getattr("_from_token")?.unbind(),
            parse_int: m.getattr("_parse_int")?.unbind(),
            gc: py.import("gc")?.into_any().unbind(),
        })
    })
}

/// `text` (a result sesgo wrote, `bytes` or `str`) as Python objects, as
/// `sesgo._exact.loads` makes them.
#[pyfunction]
pub fn decode_result<'py>(text: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = text.py();
    let exact = exact(py)?;
    if let Ok(b) = text.cast::<PyBytes>() {
        return build(py, exact, b.as_bytes(), text);
    }
    // A `str` result (the access token's JSON); a lone surrogate goes to `_exact.loads`.
    if let Ok(s) = text.cast::<PyString>() {
        if let Ok(s) = s.to_cow() {
            return build(py, exact, s.as_bytes(), text);
        }
    }
    exact.loads.bind(py).call1((text,))
}

fn build<'py>(
    py: Python<'py>,
    exact: &Exact,
    text: &[u8],
    original: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let limits = Limits {
        max_bytes: usize::MAX,
        max_depth: MAX_DEPTH_CEILING,
    };
    let Ok(doc) = Doc::parse(text, &limits) else {
        return exact.loads.bind(py).call1((original,));
    };
    let mut b = Builder {
        py,
        exact,
        names: HashMap::new(),
        strings: HashMap::new(),
    };
    // The objects built here hold no cycles, so a collection the allocations would
    // trigger midway finds nothing: the collector pauses while they are built (the GIL
    // is held throughout, so no other thread's objects go uncollected meanwhile) and
    // counts them afterwards as usual.
    let _paused = CollectorPause::new(exact.gc.bind(py))?;
    b.value(doc.root())
}

/// Disables the cyclic collector if it was enabled, and enables it again when dropped,
/// however the build ends.
struct CollectorPause<'py>(Option<Bound<'py, PyAny>>);

impl<'py> CollectorPause<'py> {
    fn new(gc: &Bound<'py, PyAny>) -> PyResult<Self> {
        let py = gc.py();
        if !gc
            .call_method0(pyo3::intern!(py, "isenabled"))?
            .is_truthy()?
        {
            return Ok(CollectorPause(None));
        }
        gc.call_method0(pyo3::intern!(py, "disable"))?;
        Ok(CollectorPause(Some(gc.clone())))
    }
}

impl Drop for CollectorPause<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.0 {
            // `gc.enable()` takes no argument and cannot fail.
            let _ = gc.call_method0(pyo3::intern!(gc.py(), "enable"));
        }
    }
}

/// Strings up to this many bytes are made once per document: codes, systems, units,
/// statuses and references repeat throughout a FHIR Bundle. A `str` is immutable, so
/// sharing one object is invisible to the caller (as `json` shares member names).
const SHARED_STRING_BYTES: usize = 40;

struct Builder<'py, 'e, 'd> {
    py: Python<'py>,
    exact: &'e Exact,
    /// One `str` per distinct member name, keyed by address and length: a document keeps
    /// each distinct name once, so every occurrence is the same slice.
    names: HashMap<(usize, usize), Bound<'py, PyString>>,
    /// One `str` per distinct short string value.
    strings: HashMap<&'d str, Bound<'py, PyString>>,
}

impl<'py, 'd> Builder<'py, '_, 'd> {
    fn value<V: View<'d>>(&mut self, v: V) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match v.kind() {
            Kind::Null => py.None().into_bound(py),
            Kind::Bool => PyBool::new(py, v.as_bool() == Some(true))
                .to_owned()
                .into_any(),
            Kind::Number => self.number(v.number_token().unwrap_or_default())?,
            Kind::String => self.string(v.as_str().unwrap_or_default()).into_any(),
            Kind::Array => {
                let mut items = Vec::with_capacity(v.len());
                for item in v.items().into_iter().flatten() {
                    items.push(self.value(item)?);
                }
                PyList::new(py, items)?.into_any()
            }
            Kind::Object => {
                let dict = PyDict::new(py);
                for (name, member) in v.members().into_iter().flatten() {
                    let key = self.name(name);
                    dict.set_item(key, self.value(member)?)?;
                }
                dict.into_any()
            }
        })
    }

    fn string(&mut self, s: &'d str) -> Bound<'py, PyString> {
        let py = self.py;
        if s.len() > SHARED_STRING_BYTES {
            return PyString::new(py, s);
        }
        self.strings
            .entry(s)
            .or_insert_with(|| PyString::new(py, s))
            .clone()
    }

    fn name(&mut self, name: &str) -> Bound<'py, PyString> {
        let py = self.py;
        self.names
            .entry((name.as_ptr() as usize, name.len()))
            .or_insert_with(|| PyString::new(py, name))
            .clone()
    }

    /// What `_exact._parse_int` makes of an integer token and `_exact._from_token` of the
    /// others; the common cases (an `i64`, a decimal `Decimal` holds) without a Python
    /// call, every other one by the `_exact` function itself.
    fn number(&self, token: &str) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        if !token.contains(['.', 'e', 'E']) {
            // `-0` parses as 0 but is a JsonDecimal: `_parse_int` decides it.
            if token != "-0" {
                if let Ok(i) = token.parse::<i64>() {
                    return Ok(i.into_pyobject(py)?.into_any());
                }
            }
            return self.exact.parse_int.bind(py).call1((token,));
        }
        // `_from_token`'s own two steps.
        let cls = self.exact.json_decimal.bind(py);
        match self.exact.decimal_new.bind(py).call1((cls, token)) {
            Ok(d) => {
                d.setattr(pyo3::intern!(py, "_token"), token)?;
                Ok(d)
            }
            // Only an exponent beyond Decimal's range: `_from_token` raises its ValueError.
            Err(_) => self.exact.from_token.bind(py).call1((token,)),
        }
    }
}
