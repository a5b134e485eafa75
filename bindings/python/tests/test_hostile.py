# mypy: disable-error-code="arg-type,list-item"
# (the wrong argument types below are the point of these tests)
"""Hostile inputs through the Python API (issue 25): the generated corpus
(``testdata/hostile``, ``cargo xtask hostile``) and the calls that used to escape as
Python exceptions (lone surrogates, objects :mod:`json` cannot serialize, deep or circular
structures, wrong argument types). Every failure must be a
:class:`sesgo.exceptions.SesgoError` carrying the guide's code; nothing else escapes."""

from __future__ import annotations

import decimal
import json
import math
import pathlib
from typing import Any, Callable, List, Optional, Tuple

import pytest

import sesgo
from sesgo.exceptions import ArgumentTypeError, ArgumentValueError, InputEncodingError, SesgoError

ROOT = pathlib.Path(__file__).resolve().parents[3]
HOSTILE = ROOT / "testdata" / "hostile"
KAT = ROOT / "testdata" / "kat"


def expand(recipe: str) -> bytes:
    """The `.repeat` rule (crates/sesgo-fuzz/src/hostile.rs): count, head, item, sep, tail."""
    count_s, head, item, sep, tail = recipe.split("\n")[:5]
    count = int(count_s)
    parts = [item.replace("{i}", f"{i:012d}") for i in range(count)]
    return (head + sep.join(parts) + tail).encode("utf-8")


def cases() -> List[Tuple[str, str, str, str, int]]:
    out = []
    for line in (HOSTILE / "manifest.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, op, inp, code, exit_code = line.split("\t")
        out.append((name, op, inp, code, int(exit_code)))
    return out


def load(inp: str) -> Any:
    if inp.startswith("/"):
        return inp  # a path, for the entry points that read paths
    raw = (HOSTILE / inp).read_bytes()
    return expand(raw.decode("utf-8")) if inp.endswith(".repeat") else raw


@pytest.fixture(scope="module")
def kat_trust() -> sesgo.TrustStore:
    return sesgo.TrustStore(
        root_certs_pem=KAT / "pki" / "root.pem", ca_certs_pem=KAT / "pki" / "intermediates.pem"
    )


@pytest.fixture(scope="module")
def kat_signer() -> sesgo.Signer:
    return sesgo.Signer.from_pkcs12(KAT / "pki" / "signer-3des.p12", "teste123")


OFF = {"revocationPolicy": "off"}


def run(op: str, data: Any, trust: sesgo.TrustStore, signer: sesgo.Signer) -> Optional[List[str]]:
    """The codes of the result's issues (None when the call raised, which the caller
    catches). Ops the Python API cannot express are skipped (``settings``: the API takes
    a ``dict``, whose keys are unique by construction)."""
    kat_bundle = (KAT / "input" / "bundle.json").read_bytes()
    kat_prov = (KAT / "input" / "provenance.json").read_bytes()
    r: Any
    if op == "verify-bundle":
        if isinstance(data, str):
            pytest.skip("a path: verify takes JSON, not paths")
        r = sesgo.verify(bundle=data, trust_store=trust, settings=OFF)
    elif op == "verify-signature":
        r = sesgo.verify(signature=data, trust_store=trust, settings=OFF)
    elif op == "verify-signature-data":
        r = sesgo.verify(signature_data=data.decode("utf-8"), trust_store=trust, settings=OFF)
    elif op == "sign-bundle":
        sesgo.sign(data, kat_prov, signer, trust, settings=OFF)
        return []
    elif op == "sign-provenance":
        sesgo.sign(kat_bundle, data, signer, trust, settings=OFF)
        return []
    elif op == "refs-check":
        return [i["details"]["coding"][0]["code"] for i in sesgo.check_references(data)["issue"]]
    elif op == "bundle-build":
        sesgo.build_bundle(data)
        return []
    elif op == "canonicalize":
        sesgo.canonicalize(data)
        return []
    elif op == "cert-inspect":
        sesgo.inspect_certificate(data, trust_store=trust)
        return []
    elif op == "pkcs12":
        sesgo.Signer.from_pkcs12(data, "teste123")
        return []
    else:
        return None
    return [i["details"]["coding"][0]["code"] for i in r["outcome"]["issue"]]


@pytest.mark.parametrize("name,op,inp,code,exit_code", cases(), ids=[c[0] for c in cases()])
def test_hostile_corpus(
    name: str,
    op: str,
    inp: str,
    code: str,
    exit_code: int,
    kat_trust: sesgo.TrustStore,
    kat_signer: sesgo.Signer,
) -> None:
    if op == "settings":
        pytest.skip("the Python API takes settings as a dict (no duplicate members, no text)")
    data = load(inp)
    try:
        codes = run(op, data, kat_trust, kat_signer)
    except SesgoError as e:
        assert e.code == code, f"{name}: {e}"
        assert e.operation_outcome["resourceType"] == "OperationOutcome"
        return
    assert codes is not None, f"unknown op {op}"
    assert exit_code == 1 and code in codes, f"{name}: expected {code}, got {codes}"


class Circular(dict):  # type: ignore[type-arg]
    pass


def deep(n: int) -> Any:
    d: Any = {}
    for _ in range(n):
        d = {"a": d}
    return d


def circular() -> Any:
    d: Any = {}
    d["self"] = d
    return d


HOSTILE_CALLS: List[Tuple[str, Callable[[sesgo.TrustStore, sesgo.Signer], Any], str, type]] = [
    ("bundle str with a lone surrogate", lambda t, s: sesgo.verify(bundle='{"a":"\ud800"}', trust_store=t), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("bundle dict with a lone surrogate", lambda t, s: sesgo.verify(bundle={"a": "\udc00"}, trust_store=t), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("bundle dict with a set", lambda t, s: sesgo.verify(bundle={"a": {1, 2}}, trust_store=t), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("bundle dict with bytes", lambda t, s: sesgo.check_references({"a": b"x"}), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("bundle dict with NaN", lambda t, s: sesgo.canonicalize({"resourceType": "Patient", "x": math.nan}), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("circular dict", lambda t, s: sesgo.build_bundle([circular()]), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("dict nested 100 000 deep", lambda t, s: sesgo.verify(bundle=deep(100_000), trust_store=t), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("sesgo.dumps of a set", lambda t, s: sesgo.dumps({"a": {1}}), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("sesgo.dumps of a Decimal NaN", lambda t, s: sesgo.dumps([decimal.Decimal("NaN")]), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("sesgo.dumps circular", lambda t, s: sesgo.dumps(circular()), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("sesgo.dumps indent as a str", lambda t, s: sesgo.dumps({}, indent="  "), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("sesgo.loads of NaN", lambda t, s: sesgo.loads("[NaN]"), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("sesgo.loads of invalid UTF-8", lambda t, s: sesgo.loads(b'"\xff"'), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("sesgo.loads of an exponent beyond Decimal", lambda t, s: sesgo.loads("1e99999999999999999999"), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("sesgo.loads 100 000 deep", lambda t, s: sesgo.loads("[" * 100_000 + "]" * 100_000), "FORMAT.JSON-MALFORMED", InputEncodingError),
    ("sesgo.loads of an int", lambda t, s: sesgo.loads(5), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("JsonDecimal of a token with a leading zero", lambda t, s: sesgo.JsonDecimal("01"), "CONFIG.INVALID-PARAMETER", ArgumentValueError),
    ("JsonDecimal of a float", lambda t, s: sesgo.JsonDecimal(36.5), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("signature_data with a lone surrogate", lambda t, s: sesgo.verify(signature_data="\ud800", trust_store=t), "FORMAT.BASE64-INVALID", ArgumentValueError),
    ("signature_data as bytes", lambda t, s: sesgo.verify(signature_data=b"abc", trust_store=t), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("signer of the wrong type", lambda t, s: sesgo.sign(b"{}", b"{}", "not a signer"), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("trust_store of the wrong type", lambda t, s: sesgo.verify(bundle=b"{}", trust_store=42), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("reference_time as text", lambda t, s: sesgo.verify(bundle=b"{}", reference_time="ontem"), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("reference_time beyond i64", lambda t, s: sesgo.verify(bundle=b"{}", trust_store=t, reference_time=10**30), "CONFIG.INVALID-PARAMETER", SesgoError),
    ("settings with a set", lambda t, s: sesgo.verify(bundle=b"{}", trust_store=t, settings={"x": {1}}), "CONFIG.INVALID-PARAMETER", ArgumentValueError),
    ("settings as a list", lambda t, s: sesgo.verify(bundle=b"{}", trust_store=t, settings=[1609459200, 30]), "CONFIG.INVALID-PARAMETER", SesgoError),
    ("settings with an unknown member", lambda t, s: sesgo.verify(bundle=b"{}", trust_store=t, settings={"revocationPolicyy": "off"}), "CONFIG.INVALID-PARAMETER", SesgoError),
    ("PKCS#12 as an int", lambda t, s: sesgo.Signer.from_pkcs12(123, "x"), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("PKCS#12 password as an int", lambda t, s: sesgo.Signer.from_pkcs12(b"x", 5), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("PKCS#12 password with a lone surrogate", lambda t, s: sesgo.Signer.from_pkcs12(b"x", "\ud800"), "CONFIG.INVALID-PARAMETER", ArgumentValueError),
    ("PKCS#12 alias as an int", lambda t, s: sesgo.Signer.from_pkcs12(KAT / "pki" / "signer-3des.p12", "teste123", alias=5), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("PKCS#12 path /dev/zero", lambda t, s: sesgo.Signer.from_pkcs12("/dev/zero", "x"), "CONFIG.INVALID-PARAMETER", SesgoError),
    ("trust store root_sha256 as an int", lambda t, s: sesgo.TrustStore(root_sha256=5), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("trust store root_sha256 as a str", lambda t, s: sesgo.TrustStore(root_sha256="ab"), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("trust store icp_brasil as a str", lambda t, s: sesgo.TrustStore(icp_brasil="yes"), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("trust store ca_dir as an int", lambda t, s: sesgo.TrustStore(icp_brasil=True, ca_dir=3), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("certificate as a float", lambda t, s: sesgo.inspect_certificate(3.5), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("certificate path with a lone surrogate", lambda t, s: sesgo.inspect_certificate("/tmp/\udcff"), "CONFIG.INVALID-PARAMETER", ArgumentValueError),
    ("export format as an int", lambda t, s: sesgo.export_certificate(KAT / "pki" / "signer.pem", format=5), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("attachment content as an int", lambda t, s: sesgo.fill_attachment({"contentType": "text/plain", "url": "x"}, 5), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("attachment content /dev/zero", lambda t, s: sesgo.fill_attachment({"contentType": "text/plain", "url": "x"}, pathlib.Path("/dev/zero")), "FORMAT.RESOURCE-TOO-LARGE", SesgoError),
    ("network settings with a set", lambda t, s: sesgo.network(settings={"x": {1}}), "CONFIG.INVALID-PARAMETER", ArgumentValueError),
    ("build_x5c certificate as an int", lambda t, s: sesgo.build_x5c(5, trust_store=t), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("external signer not callable", lambda t, s: sesgo.Signer.external(KAT / "pki" / "chain.pem", 5), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("external signer chain of ints", lambda t, s: sesgo.Signer.external([1, 2], lambda b: b), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("pkcs11 slot_id as a str", lambda t, s: sesgo.Signer.from_pkcs11("/nonexistent.so", "1234", key_id="01", slot_id="x"), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
    ("pkcs11 settings as a list", lambda t, s: sesgo.Signer.from_pkcs11("/nonexistent.so", "1234", key_id="01", settings=[1]), "CONFIG.INVALID-PARAMETER", ArgumentTypeError),
]


@pytest.mark.parametrize(
    "what,call,code,cls", HOSTILE_CALLS, ids=[c[0] for c in HOSTILE_CALLS]
)
def test_only_sesgo_errors_escape(
    what: str,
    call: Callable[[sesgo.TrustStore, sesgo.Signer], Any],
    code: str,
    cls: type,
    kat_trust: sesgo.TrustStore,
    kat_signer: sesgo.Signer,
) -> None:
    with pytest.raises(SesgoError) as info:
        call(kat_trust, kat_signer)
    assert isinstance(info.value, cls), f"{what}: {type(info.value).__name__}: {info.value}"
    assert info.value.code == code, f"{what}: {info.value}"
    assert info.value.operation_outcome["resourceType"] == "OperationOutcome"


def test_argument_errors_are_still_type_and_value_errors() -> None:
    with pytest.raises(TypeError):
        sesgo.inspect_certificate(3.5)
    with pytest.raises(ValueError):
        sesgo.verify(bundle={"a": {1}})
    assert json.loads(json.dumps({"ok": True}))["ok"]
