"""Tests of the installed sesgo wheel (never the source tree): tools, exceptions, the
panic guard, threads and the ABI check."""

from __future__ import annotations

import decimal
import json
import pathlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Tuple

import pytest

import sesgo
from sesgo import exceptions

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"


def test_installed_not_source_tree() -> None:
    assert "site-packages" in sesgo.__file__, sesgo.__file__
    assert sesgo.__version__.count(".") == 2


def test_default_settings_come_from_the_native_library(pki: Dict[str, Any], trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes) -> None:
    d = sesgo.DEFAULT_SETTINGS
    assert d == json.loads(sesgo._sesgo.default_settings())
    # The guide's defaults (IG-DIGEST §1): the library's, not repeated by the binding.
    assert d["revocationPolicy"] == "strict"
    assert d["maxBundleBytes"] == 52428800 and d["maxEntriesBundle"] == 1000
    assert d["ocspTimeoutSecs"] == 30 and d["bundleTimeoutSecs"] == 10
    assert "tsaUrl" not in d
    with pytest.raises(TypeError):
        d["revocationPolicy"] = "off"  # type: ignore[index]
    # Usable as they are, and as the base of a call's own settings.
    signer = sesgo.Signer.from_pkcs12(pki["p12Aes"], pki["password"])
    signed = sesgo.sign(bundle_bytes, provenance_bytes, signer, trust, settings={**d, "revocationPolicy": "warn"})
    result = sesgo.verify(bundle=sesgo.dumps(signed["bundle"]), trust_store=trust, settings=dict(d))
    # strict, as the defaults say, against the loopback OCSP responders xtask runs.
    assert result["valid"], result["outcome"]
    assert result["signatures"][0]["stages"]["revocation"] == "passed", result


def test_policies_come_from_the_native_library() -> None:
    catalog = json.loads(sesgo._sesgo.policies())
    assert [p["uri"] for p in catalog["policies"]] == sesgo.SUPPORTED_POLICIES
    assert sesgo.DEFAULT_POLICY == catalog["default"] == sesgo.POLICY_0_1_2
    assert sesgo.POLICY_0_1_2 == (
        "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2"
    )
    assert sesgo.POLICY_0_2_0 == "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0"
    assert [p["family"] for p in catalog["policies"]] == ["0.1", "0.1", "0.1", "0.2.0"]


def test_canonicalize_both_policies() -> None:
    r = b'{"resourceType":"Observation","id":"o","valueQuantity":{"value":36.50}}'
    assert sesgo.canonicalize(r) == b'{"resourceType":"Observation","valueQuantity":{"value":36.5}}'
    assert (
        sesgo.canonicalize(r, policy=sesgo.POLICY_0_2_0)
        == b'{"resourceType":"Observation","valueQuantity":{"value":36.50}}'
    )
    # dict input works (numbers as Python has them).
    assert sesgo.canonicalize({"resourceType": "Patient", "b": 1, "a": "é"}) == '{"a":"é","b":1,"resourceType":"Patient"}'.encode()


def test_example_bundle_passes_reference_rules() -> None:
    oo = sesgo.check_references(
        (EXAMPLES / "bundle.json").read_bytes(), (EXAMPLES / "provenance.json").read_bytes()
    )
    assert oo["resourceType"] == "OperationOutcome"
    assert oo["issue"][0]["details"]["coding"][0]["code"] == "VALIDATION.SUCCESS"


def test_reference_findings_are_results_not_exceptions() -> None:
    bundle: Dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:550e8400-e29b-41d4-a716-446655440000",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "massa"},
                    "subject": {"reference": "Patient/x"},
                },
            }
        ],
    }
    oo = sesgo.check_references(bundle)
    issue = oo["issue"][0]
    assert issue["details"]["coding"][0]["code"] == "FORMAT.REFERENCE-INVALID"
    assert issue["location"] == ["Bundle.entry[0].resource.subject.reference"]
    raw = sesgo.check_references(bundle, raw=True)
    assert isinstance(raw, bytes) and json.loads(raw) == oo


def test_build_bundle_round_trip() -> None:
    resources = [
        {"resourceType": "Patient", "id": "1"},
        {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/1"}},
    ]
    b = sesgo.build_bundle(resources)
    assert b["entry"][1]["resource"]["subject"]["reference"] == b["entry"][0]["fullUrl"]
    assert sesgo.check_references(b)["issue"][0]["details"]["coding"][0]["code"] == "VALIDATION.SUCCESS"
    with pytest.raises(exceptions.FormatError):
        sesgo.build_bundle([{"resourceType": "Observation", "subject": {"reference": "Patient/9"}}])


@pytest.mark.parametrize(
    "call, cls, code, location",
    [
        (lambda: sesgo.canonicalize(b'{"a":1,"a":2}'), exceptions.FormatError, "FORMAT.JSON-MALFORMED", "resource.a"),
        (lambda: sesgo.canonicalize(b"{}", policy="https://x.org/p|1.0.0"), exceptions.PolicyError, "POLICY.VERSION-UNSUPPORTED", "policy"),
        (lambda: sesgo.check_references(b"{}", max_entries_bundle=5), exceptions.ConfigError, "CONFIG.BUNDLE-SIZE-LIMIT-OUT-OF-RANGE", None),
        pytest.param(lambda: sesgo._sesgo._testing_error(), exceptions.CertificateError, "CERT.EXPIRED", "x5c[0]", marks=pytest.mark.hooks),
    ],
)
def test_exceptions_carry_code_location_and_outcome(call: Any, cls: Any, code: str, location: Any) -> None:
    with pytest.raises(cls) as info:
        call()
    e = info.value
    assert isinstance(e, exceptions.SesgoError)
    assert e.code == code
    assert e.severity in ("error", "fatal")
    if location is not None:
        assert e.location == location
    assert e.diagnostics
    assert e.operation_outcome["issue"][0]["details"]["coding"][0]["code"] == code
    assert "operation-outcome-assinatura" in e.operation_outcome["meta"]["profile"][0]


def test_every_category_has_its_class() -> None:
    for prefix, cls in [
        ("POLICY.X", exceptions.PolicyError),
        ("CERT.X", exceptions.CertificateError),
        ("REVOCATION.X", exceptions.RevocationError),
        ("CRYPTO.X", exceptions.CryptoError),
        ("FORMAT.X", exceptions.FormatError),
        ("DEVICE.X", exceptions.DeviceError),
        ("MIDDLEWARE.X", exceptions.MiddlewareError),
        ("CONFIG.X", exceptions.ConfigError),
        ("TSA.X", exceptions.TsaError),
        ("TEMPORAL.X", exceptions.TemporalError),
        ("VALIDATION.X", exceptions.ValidationError),
        ("SYSTEM", exceptions.SesgoSystemError),
        ("SECURITY.X", exceptions.SecurityError),
        ("CACHE.X", exceptions.SesgoError),
    ]:
        assert exceptions.exception_class_for(prefix) is cls


@pytest.mark.hooks
def test_panic_raises_and_the_interpreter_survives() -> None:
    with pytest.raises(exceptions.SesgoSystemError) as info:
        sesgo._sesgo._testing_panic()
    assert info.value.code == "SYSTEM"
    assert "_testing_panic" in info.value.diagnostics
    # Still usable afterwards.
    assert sesgo.canonicalize(b"{}") == b"{}"


def test_thread_pool() -> None:
    doc = (EXAMPLES / "bundle.json").read_bytes()
    prov = (EXAMPLES / "provenance.json").read_bytes()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: sesgo.check_references(doc, prov)["issue"][0]["details"]["coding"][0]["code"], range(64)))
    assert set(results) == {"VALIDATION.SUCCESS"}


def test_abi_mismatch_is_refused() -> None:
    # A fake native module reporting another ABI must make `import sesgo` fail.
    code = (
        "import sys, types\n"
        "fake = types.ModuleType('sesgo._sesgo')\n"
        "fake.abi_version = lambda: 999\n"
        "fake.version = lambda: '0'\n"
        "sys.modules['sesgo._sesgo'] = fake\n"
        "try:\n"
        "    import sesgo\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e.code)\n"
        "else:\n"
        "    print('imported')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "SesgoSystemError SYSTEM.INCOMPATIBLE-LIBRARY-VERSION", out


# Signed attachments (anexo-assinado). "laudo" = bGF1ZG8=; hashes computed with hashlib.
LAUDO_SHA1 = "rb4OJF2jlaTUZooaMBab6v+UYrQ="
LAUDO_SHA256 = "MIpHjZSwVsvehN4KwhkTun5vv9vFSmeveaB4TJbuxMw="


def _codes(oo: Dict[str, Any]) -> List[Tuple[str, List[str]]]:
    return [(i["details"]["coding"][0]["code"], i.get("location", [])) for i in oo["issue"]]


def test_fill_attachment_returns_the_facade_bytes() -> None:
    att = b'{"contentType":"text/plain","data":"bGF1ZG8=","extension":[{"url":"http://example.org/peso","valueDecimal":1.50}]}'
    raw = sesgo.fill_attachment(att, raw=True)
    assert isinstance(raw, bytes)
    assert raw == (
        b'{"contentType":"text/plain","data":"bGF1ZG8=","extension":[{"url":"'
        + sesgo.HASH_SHA256_URL.encode()
        + b'","valueBase64Binary":"' + LAUDO_SHA256.encode() + b'"},'
        b'{"url":"http://example.org/peso","valueDecimal":1.50}],"size":5,"hash":"' + LAUDO_SHA1.encode() + b'"}'
    )
    assert raw == sesgo._sesgo.fill_attachment(att, None, b"")
    filled = sesgo.fill_attachment({"contentType": "text/plain", "data": "bGF1ZG8="})
    assert filled["size"] == 5 and filled["hash"] == LAUDO_SHA1
    assert filled["extension"] == [{"url": sesgo.HASH_SHA256_URL, "valueBase64Binary": LAUDO_SHA256}]
    assert _codes(sesgo.check_attachment(raw)) == [("VALIDATION.SUCCESS", [])]


def test_tampered_attachment_is_a_located_finding() -> None:
    filled = sesgo.fill_attachment(b'{"contentType":"text/plain","data":"bGF1ZG8="}', raw=True)
    tampered = filled.replace(b"bGF1ZG8=", b"bGF1ZGU=")  # "laude": same size
    loc = "DocumentReference.content[0].attachment"
    oo = sesgo.check_attachment(tampered, location=loc)
    assert _codes(oo) == [
        ("CRYPTO.HASH-VERIFICATION-FAILED", [f"{loc}.hash"]),
        ("CRYPTO.HASH-VERIFICATION-FAILED", [f"{loc}.extension[0].valueBase64Binary"]),
    ]
    assert oo["issue"][0]["severity"] == "error"
    raw = sesgo.check_attachment(tampered, raw=True)
    assert isinstance(raw, bytes) and b"CRYPTO.HASH-VERIFICATION-FAILED" in raw


def test_url_attachment_with_content_bytes_or_path(tmp_path: pathlib.Path) -> None:
    att = {"contentType": "application/pdf", "url": "https://example.org/laudo.pdf"}
    pdf = tmp_path / "laudo.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    filled = sesgo.fill_attachment(att, pdf)
    assert filled["size"] == 8 and filled["hash"] == "uvbBo/sl8K9aq7wyqoQeJ8sCUCA="
    assert filled == sesgo.fill_attachment(att, bytearray(b"%PDF-1.7"))
    assert _codes(sesgo.check_attachment(filled, b"%PDF-1.7")) == [("VALIDATION.SUCCESS", [])]
    assert [c for c, _ in _codes(sesgo.check_attachment(filled, memoryview(b"%PDF-1.8")))] == [
        "CRYPTO.HASH-VERIFICATION-FAILED",
        "CRYPTO.HASH-VERIFICATION-FAILED",
    ]
    assert sesgo.fill_attachment(att, b"")["size"] == 0
    with pytest.raises(exceptions.ConfigError) as info:
        sesgo.fill_attachment(att)
    assert info.value.code == "CONFIG.MISSING-PARAMETER"
    assert info.value.location == "Attachment.url"
    with pytest.raises(TypeError):
        sesgo.fill_attachment(att, "laudo.pdf")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call, cls, code, location",
    [
        (lambda: sesgo.fill_attachment(b'{"data":"bGF1ZG8"}'), exceptions.FormatError, "FORMAT.BASE64-INVALID", "Attachment.data"),
        (lambda: sesgo.check_attachment(b"[1]"), exceptions.FormatError, "FORMAT.RESOURCE-INVALID", "Attachment"),
        (lambda: sesgo.check_attachment(b'{"data":"bGF1ZG8="}', b"laudo"), exceptions.ConfigError, "CONFIG.INVALID-PARAMETER", "Attachment.data"),
        (lambda: sesgo._sesgo.check_attachment(b"{}", None, b'{"where":1}'), exceptions.ConfigError, "CONFIG.INVALID-PARAMETER", "options.where"),
    ],
)
def test_attachment_input_errors(call: Any, cls: Any, code: str, location: str) -> None:
    with pytest.raises(cls) as info:
        call()
    assert info.value.code == code
    assert info.value.location == location


def test_loads_and_dumps_keep_every_number_token() -> None:
    # Tokens that float (36.5) or Decimal (1E+5, 1E-7) would write differently.
    text = '{"a":36.50,"b":[1e5,0.0000001,-0,-0.0,1.0E-10,12345678901234567890.123456789,7,"é\\"x"],"c":{},"d":[],"e":true,"f":null,"g":1E+05}'
    value = sesgo.loads(text)
    assert sesgo.dumps(value) == text
    assert sesgo.loads(text.encode("utf-8")) == value
    assert isinstance(value["a"], decimal.Decimal) and isinstance(value["a"], sesgo.JsonDecimal)
    assert value["a"].token == "36.50"
    assert all(not isinstance(x, float) for x in value["b"])
    assert value["b"][6] == 7 and type(value["b"][6]) is int
    assert value["b"][0] == 100000 and str(value["b"][0]) == "1e5"
    assert repr(value["g"]) == "JsonDecimal('1E+05')"
    # Pretty-printed text is the same JSON, numbers still exact.
    pretty = sesgo.dumps(value, indent=2)
    assert "\n  \"a\": 36.50" in pretty and sesgo.dumps(sesgo.loads(pretty)) == text
    # Decimals built by the caller, floats and ints as json writes them.
    assert sesgo.dumps({"x": decimal.Decimal("36.50"), "y": 0.1, "z": 10**20, 1: None}) == '{"x":36.50,"y":0.1,"z":100000000000000000000,"1":null}'
    # A JsonDecimal survives pickling and copying with its token.
    import copy
    import pickle

    j = sesgo.JsonDecimal("1.0E-10")
    assert pickle.loads(pickle.dumps(j)).token == "1.0E-10" and copy.deepcopy(j).token == "1.0E-10"
    assert j + 1 == decimal.Decimal("1.0000000001")


def _same(a: Any, b: Any, at: str = "$") -> None:
    """``a`` and ``b`` hold the same values of the same types, in the same order, with the
    same number tokens."""
    assert type(a) is type(b), f"{at}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), at
        for k in a:
            _same(a[k], b[k], f"{at}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), at
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{at}[{i}]")
    elif isinstance(a, sesgo.JsonDecimal):
        assert a.token == b.token and a == b, at
    else:
        assert a == b, at


@pytest.mark.parametrize(
    "text",
    [
        '{"a":36.50,"b":[1e5,0.0000001,-0,-0.0,1.0E-10,12345678901234567890.123456789,7,"é\\"x"],"c":{},"d":[],"e":true,"f":null,"g":1E+05}',
        # Integers at and past i64's ends, past int()'s digit limit, and -0.
        "[0,-0,1,-1,9223372036854775807,-9223372036854775808,9223372036854775808,-9223372036854775809,"
        + "9" * 5000 + ",-" + "1" * 4300 + "]",
        # Exponents Decimal holds, at its edge.
        "[1e999999999999999999,-1E-999999999999999999,0e0,1E+0]",
        # Escapes, every plane, names repeated at several depths and names with escapes.
        '{"s":"\\u00e9\\ud83d\\ude00\\n\\t\\/\\u0000\\"","x\\u00e9":{"s":[{"s":1},{"s":2}]},"😀":"ação"}',
        # Whitespace as people write it.
        '  {\n "a" : [ 1 , 2.0 ] ,\t"b" : { } }\r\n',
        # What the strict parser refuses goes to _exact.loads: a duplicate member (the
        # last wins, as json reads it), nesting past 128, a lone surrogate.
        '{"a":1,"a":2.50}',
        "[" * 140 + "1.0" + "]" * 140,
        '["\\ud800"]',
    ],
)
def test_results_are_built_as_loads_builds_them(text: str) -> None:
    for data in (text, text.encode("utf-8", "surrogatepass")):
        _same(sesgo._sesgo.decode_result(data), sesgo._exact.loads(data))


def test_results_are_built_natively() -> None:
    # The native builder makes one str per distinct short value; json makes one per
    # occurrence. Shared objects show the strict document was used, not the fallback.
    native = sesgo._sesgo.decode_result(b'["final-status","final-status"]')
    assert native[0] is native[1]
    python = sesgo._exact.loads(b'["final-status","final-status"]')
    assert python[0] is not python[1]


def test_result_numbers_decimal_cannot_hold_raise_as_loads_does() -> None:
    for text in ("[1e9999999999999999999]", b"[1E-9999999999999999999]"):
        with pytest.raises(ValueError) as native:
            sesgo._sesgo.decode_result(text)
        with pytest.raises(ValueError) as python:
            sesgo._exact.loads(text)
        assert str(native.value) == str(python.value)
    with pytest.raises(ValueError):
        sesgo._sesgo.decode_result(b"{not json")


def test_decoding_a_result_leaves_the_collector_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    sesgo._sesgo.decode_result(b'{"a":[1,2.50,"x"]}')
    assert gc.isenabled()
    with pytest.raises(ValueError):
        sesgo._sesgo.decode_result(b'{"a":[1,1e9999999999999999999]}')
    assert gc.isenabled()
    gc.disable()
    try:
        sesgo._sesgo.decode_result(b"[1]")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_canonicalize_takes_decimal_dicts_exactly() -> None:
    r = sesgo.loads(b'{"resourceType":"Observation","valueQuantity":{"value":36.50}}')
    assert sesgo.canonicalize(r, policy=sesgo.POLICY_0_2_0) == b'{"resourceType":"Observation","valueQuantity":{"value":36.50}}'
    assert sesgo.canonicalize(r) == b'{"resourceType":"Observation","valueQuantity":{"value":36.5}}'
