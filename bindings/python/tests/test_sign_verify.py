"""sign / verify / Signer / TrustStore / inspect_certificate against the installed wheel,
with the test PKI (real certificates, real RSA keys)."""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import pathlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import sesgo
from sesgo import exceptions

# xtask runs live loopback OCSP responders for the test PKI, so the default "strict"
# revocation policy works (test_strict_revocation_against_the_live_responder); most tests
# still ask for "warn" so that they do not depend on the responders.
LENIENT = {"revocationPolicy": "warn"}
POLICIES = [sesgo.POLICY_0_1_2, sesgo.POLICY_0_2_0]


def codes(outcome: Dict[str, Any]) -> List[str]:
    return [i["details"]["coding"][0]["code"] for i in outcome["issue"]]


def rsa_key(path: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pathlib.Path(path).read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def cryptography_signer(path: str) -> Callable[[bytes], bytes]:
    """An RS256 signing function backed by pyca/cryptography (OpenSSL), independent of
    sesgo's own RSA."""
    key = rsa_key(path)

    def sign(data: bytes) -> bytes:
        assert isinstance(data, bytes)
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    return sign


@pytest.fixture(scope="module")
def pem_signer(pki: Dict[str, Any], leaf_and_chain_pem: bytes) -> sesgo.Signer:
    # Encrypted PKCS#8 key (path) + PEM chain (bytes), password as a bytearray.
    return sesgo.Signer.from_pem(pki["keyPkcs8Encrypted"], leaf_and_chain_pem, bytearray(pki["password"], "utf-8"))


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("kind", ["pkcs12", "pem"])
def test_sign_verify_round_trip(
    policy: str,
    kind: str,
    p12_signer: sesgo.Signer,
    pem_signer: sesgo.Signer,
    trust: sesgo.TrustStore,
    now: int,
    bundle_bytes: bytes,
    provenance_bytes: bytes,
) -> None:
    signer = p12_signer if kind == "pkcs12" else pem_signer
    signed = sesgo.sign(bundle_bytes, provenance_bytes, signer, trust, policy=policy, reference_time=now)
    assert set(signed) == {"signature", "provenance", "bundle", "warnings"}
    assert signed["signature"]["who"]["identifier"]["value"] == "12345678909"
    assert signed["bundle"]["resourceType"] == "Bundle"

    # The signed Provenance with the original Bundle bytes (exact number tokens).
    v = sesgo.verify(provenance=signed["provenance"], bundle=bundle_bytes, trust_store=trust, policy=policy, reference_time=now, settings=LENIENT)
    assert v["valid"] is True, v
    assert codes(v["outcome"])[0] == "VALIDATION.SUCCESS"
    # Signature.data alone.
    v = sesgo.verify(signature_data=signed["signature"]["data"], trust_store=trust, settings=LENIENT)
    assert v["valid"] is True, v
    # The FHIR Signature + Bundle.
    v = sesgo.verify(signature=signed["signature"], provenance=signed["provenance"], bundle=bundle_bytes, trust_store=trust, settings=LENIENT)
    assert v["valid"] is True, v
    if policy == sesgo.POLICY_0_1_2:
        # JCS normalizes numbers: the transfer Bundle survives a trip through a dict.
        v = sesgo.verify(bundle=signed["bundle"], trust_store=trust, settings=LENIENT)
        assert v["valid"] is True, v
    # Raw form: the same result as JSON bytes (raw=True is bytes in every function).
    raw = sesgo.verify(signature_data=signed["signature"]["data"], trust_store=trust, settings=LENIENT, raw=True)
    assert isinstance(raw, bytes) and json.loads(raw)["valid"] is True


def test_strict_revocation_against_the_live_responder(p12_signer: sesgo.Signer, trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes) -> None:
    # Default options (strict) against the live loopback OCSP responders xtask runs.
    signed = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust)
    v = sesgo.verify(provenance=signed["provenance"], bundle=bundle_bytes, trust_store=trust)
    assert v["valid"] is True, v["outcome"]
    assert not any(c.startswith("REVOCATION.") for c in codes(v["outcome"]))


def test_bytes_input_keeps_decimals_exact(p12_signer: sesgo.Signer, trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes) -> None:
    assert b"36.50" in bundle_bytes
    raw = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, policy=sesgo.POLICY_0_2_0, raw=True)
    assert isinstance(raw, bytes)
    assert b"36.50" in raw  # the transfer Bundle keeps the token as signed
    signed = json.loads(raw)
    good = sesgo.verify(provenance=signed["provenance"], bundle=bundle_bytes, trust_store=trust, settings=LENIENT)
    assert good["valid"] is True, good
    # The pitfall the docs warn about: through a dict, 36.50 becomes the float 36.5 and
    # policy 0.2.0 (lossless) sees different content.
    as_dict = json.loads(bundle_bytes)
    bad = sesgo.verify(provenance=signed["provenance"], bundle=as_dict, trust_store=trust, settings=LENIENT)
    assert bad["valid"] is False
    assert "CRYPTO.HASH-VERIFICATION-FAILED" in codes(bad["outcome"])
    # str input is as exact as bytes.
    s = sesgo.sign(bundle_bytes.decode("utf-8"), provenance_bytes.decode("utf-8"), p12_signer, trust, policy=sesgo.POLICY_0_2_0, raw=True)
    assert b"36.50" in s


def test_results_keep_every_number_token_through_loads_and_dumps(
    p12_signer: sesgo.Signer, trust: sesgo.TrustStore, now: int, bundle_bytes: bytes, provenance_bytes: bytes
) -> None:
    # Policy 0.2.0 signs number tokens verbatim: the dict result holds 36.50 as a
    # Decimal that remembers its token, and sesgo.dumps writes it back as signed.
    signed = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, policy=sesgo.POLICY_0_2_0, reference_time=now)
    obs = next(e["resource"] for e in signed["bundle"]["entry"] if e["resource"]["resourceType"] == "Observation")
    value = obs["valueQuantity"]["value"]
    assert isinstance(value, decimal.Decimal) and isinstance(value, sesgo.JsonDecimal)
    assert str(value) == "36.50" and value == decimal.Decimal("36.5")
    # A result's objects are built natively: the same as sesgo.loads makes of its bytes.
    raw = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, policy=sesgo.POLICY_0_2_0, reference_time=now, raw=True)
    native = sesgo._sesgo.decode_result(raw)
    assert native == sesgo.loads(raw) and sesgo.dumps(native) == sesgo.dumps(sesgo.loads(raw)) == raw.decode("utf-8")
    text = sesgo.dumps(signed["bundle"])
    assert '"value":36.50' in text and "36.5," not in text
    # Round-tripped through the package's own text and objects, it still verifies.
    again = sesgo.loads(text)
    assert sesgo.dumps(again) == text
    for bundle in (text, text.encode("utf-8"), again, signed["bundle"]):
        v = sesgo.verify(bundle=bundle, trust_store=trust, reference_time=now, settings=LENIENT)
        assert v["valid"] is True and v["signatures"][0]["policy"] == sesgo.POLICY_0_2_0, v
    v = sesgo.verify(provenance=sesgo.dumps(signed["provenance"], indent=2), bundle=again, trust_store=trust, reference_time=now, settings=LENIENT)
    assert v["valid"] is True, v
    # The same value changed by one digit is caught: the round trip is not a no-op check.
    changed = sesgo.loads(text.replace('"value":36.50', '"value":36.51', 1))
    v = sesgo.verify(bundle=changed, trust_store=trust, reference_time=now, settings=LENIENT)
    assert v["valid"] is False and "CRYPTO.HASH-VERIFICATION-FAILED" in codes(v["outcome"])
    # What the stdlib makes of the same result is not the signed content.
    lossy = json.dumps(json.loads(text))
    assert "36.5," in lossy or "36.5}" in lossy
    v = sesgo.verify(bundle=lossy, trust_store=trust, reference_time=now, settings=LENIENT)
    assert v["valid"] is False


def test_sign_parts_are_the_exact_bytes_of_each_output(p12_signer: sesgo.Signer, trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes) -> None:
    parts = sesgo.sign_parts(bundle_bytes, provenance_bytes, p12_signer, trust, policy=sesgo.POLICY_0_2_0)
    assert isinstance(parts, sesgo.Signed)
    assert all(isinstance(b, bytes) for b in (parts.signature, parts.provenance, parts.bundle))
    assert b"36.50" in parts.bundle and parts.warnings is None
    # The transfer Bundle alone, as sent: valid; the same bytes re-serialized through a
    # dict (36.50 -> 36.5) are not, under policy 0.2.0.
    good = sesgo.verify(bundle=parts.bundle, trust_store=trust, settings=LENIENT)
    assert good["valid"] is True, good
    bad = sesgo.verify(bundle=json.dumps(json.loads(parts.bundle)), trust_store=trust, settings=LENIENT)
    assert bad["valid"] is False
    # The signed Provenance and the Signature are also their own exact documents.
    v = sesgo.verify(provenance=parts.provenance, bundle=bundle_bytes, trust_store=trust, settings=LENIENT)
    assert v["valid"] is True, v
    assert json.loads(parts.signature)["data"] == json.loads(parts.provenance)["signature"][0]["data"]


def test_tampered_bundle_is_invalid(p12_signer: sesgo.Signer, trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes) -> None:
    signed = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust)
    tampered = sesgo.loads(sesgo.dumps(signed["bundle"]).replace("36.5", "39.5"))
    assert tampered != signed["bundle"]
    v = sesgo.verify(bundle=tampered, trust_store=trust, settings=LENIENT)
    assert v["valid"] is False
    assert "CRYPTO.HASH-VERIFICATION-FAILED" in codes(v["outcome"]), v


def test_external_signer_with_cryptography(
    pki: Dict[str, Any],
    pem_signer: sesgo.Signer,
    trust: sesgo.TrustStore,
    now: int,
    bundle_bytes: bytes,
    provenance_bytes: bytes,
) -> None:
    calls: List[int] = []
    sign_fn = cryptography_signer(pki["ecpf"]["keyPem"])

    def counting(data: bytes) -> bytes:
        calls.append(threading.get_ident())
        return sign_fn(data)

    chain_der = [pathlib.Path(pki[k]["certDer"]).read_bytes() for k in ("ecpf", "ac2", "ac1")]
    ext = sesgo.Signer.external(chain_der, counting)
    assert ext.is_external and not pem_signer.is_external
    assert ext.certificate_chain[0] == chain_der[0] == pem_signer.certificate_chain[0]
    for policy in POLICIES:
        signed = sesgo.sign(bundle_bytes, provenance_bytes, ext, trust, policy=policy, reference_time=now)
        v = sesgo.verify(provenance=signed["provenance"], bundle=bundle_bytes, trust_store=trust, settings=LENIENT)
        assert v["valid"] is True, v
        # RSASSA-PKCS1-v1_5 is deterministic: OpenSSL through the callback and sesgo's
        # own RSA produce the same JWS for the same input and time.
        local = sesgo.sign(bundle_bytes, provenance_bytes, pem_signer, trust, policy=policy, reference_time=now)
        assert signed["signature"]["data"] == local["signature"]["data"]
    # The callable ran on the calling thread (GIL re-acquired there), once per signature.
    assert calls == [threading.get_ident()] * 2
    # Chain as PEM (a path to the leaf; intermediates completed from the trust store).
    ext_pem = sesgo.Signer.external(pki["ecpf"]["certPem"], sign_fn)
    signed = sesgo.sign(bundle_bytes, provenance_bytes, ext_pem, trust)
    assert signed["signature"]["who"]["identifier"]["value"] == "12345678909"


def _sign_with(pki: Dict[str, Any], trust: sesgo.TrustStore, fn: Callable[[bytes], Any], bundle: bytes, prov: bytes) -> exceptions.SesgoError:
    ext = sesgo.Signer.external(pki["ecpf"]["certPem"], fn)
    with pytest.raises(exceptions.SesgoError) as info:
        sesgo.sign(bundle, prov, ext, trust)
    return info.value


def test_external_signer_failures(pki: Dict[str, Any], trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes) -> None:
    def boom(data: bytes) -> bytes:
        raise RuntimeError("token removido")

    e = _sign_with(pki, trust, boom, bundle_bytes, provenance_bytes)
    assert isinstance(e, exceptions.CryptoError)
    assert e.code == "CRYPTO.SIGNATURE-CREATION-FAILED"
    assert "RuntimeError" in e.diagnostics and "token removido" in e.diagnostics

    e = _sign_with(pki, trust, lambda data: "não são bytes", bundle_bytes, provenance_bytes)
    assert isinstance(e, exceptions.CryptoError) and e.code == "CRYPTO.SIGNATURE-CREATION-FAILED"
    assert "str" in e.diagnostics

    # A signature by another key is refused by sesgo's check against the leaf.
    other = cryptography_signer(pki["foreignLeaf"]["keyPem"])
    e = _sign_with(pki, trust, other, bundle_bytes, provenance_bytes)
    assert isinstance(e, exceptions.CryptoError) and e.code == "CRYPTO.SIGNATURE-CREATION-FAILED"

    # A SesgoError raised by the callable (e.g. a token wrapper) keeps its code.
    def blocked(data: bytes) -> bytes:
        raise exceptions.DeviceError("DEVICE.PIN-BLOCKED", "error", None, "PIN bloqueado", {})

    e = _sign_with(pki, trust, blocked, bundle_bytes, provenance_bytes)
    assert isinstance(e, exceptions.DeviceError) and e.code == "DEVICE.PIN-BLOCKED"
    assert e.diagnostics == "PIN bloqueado"

    with pytest.raises(TypeError):
        sesgo.Signer.external(pki["ecpf"]["certPem"], b"not callable")  # type: ignore[arg-type]


def test_wrong_password(pki: Dict[str, Any]) -> None:
    with pytest.raises(exceptions.CryptoError) as info:
        sesgo.Signer.from_pkcs12(pki["p12Aes"], "senha-errada")
    assert info.value.code == "CRYPTO.KEY-INACCESSIBLE"
    with pytest.raises(exceptions.CryptoError) as info:
        sesgo.Signer.from_pem(pki["keyPkcs8Encrypted"], pki["ecpf"]["certPem"], "senha-errada")
    assert info.value.code == "CRYPTO.KEY-INACCESSIBLE"


def _raising(code: str) -> Callable[[bytes], bytes]:
    def fn(data: bytes) -> bytes:
        raise exceptions.exception_class_for(code)(code, "error", None, f"{code} provocado", {})

    return fn


def test_every_exception_class_is_reachable(pki: Dict[str, Any], trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes, tmp_path: pathlib.Path) -> None:
    """Each class raised by a real call. Categories no local call can produce today
    (network, TSA, middleware, cache) come from an external signing function raising
    them, as a PKCS#11 or cloud wrapper would: the code crosses sesgo unchanged."""
    p12 = pki["p12Aes"]
    huge = b'{"resourceType":"Bundle","type":"collection","x":"' + b"a" * 1_100_000 + b'"}'
    direct: List[Any] = [
        (lambda: sesgo.Signer.from_pkcs12(p12, "errada"), exceptions.CryptoError, "CRYPTO.KEY-INACCESSIBLE"),
        (lambda: sesgo.Signer.from_pkcs12(p12, pki["password"], alias="nenhum"), exceptions.DeviceError, "DEVICE.CERTIFICATE-NOT-FOUND"),
        (lambda: sesgo.Signer.from_pkcs12(pki["ecpf"]["certDer"], "x"), exceptions.CertificateError, "CERT.INVALID-FORMAT"),
        (lambda: sesgo.Signer.from_pkcs12(tmp_path / "nao-existe.p12", "x"), exceptions.ConfigError, "CONFIG.INVALID-PARAMETER"),
        (lambda: sesgo.verify(bundle=b"{", trust_store=trust), exceptions.FormatError, "FORMAT.JSON-MALFORMED"),
        (lambda: sesgo.verify(bundle=bundle_bytes, policy="https://x.org/p|1.0.0"), exceptions.PolicyError, "POLICY.VERSION-UNSUPPORTED"),
        (lambda: sesgo.sign(huge, provenance_bytes, sesgo.Signer.from_pkcs12(p12, pki["password"]), trust, settings={"maxBundleBytes": 1048576}), exceptions.SecurityError, "SECURITY.BUNDLE-MEMORY-LIMIT-EXCEEDED"),
        (lambda: sesgo.TrustStore(root_sha256=["zz"]), exceptions.ConfigError, None),
        # SYSTEM (only a panic produces it): test_tools.py::test_panic_raises_and_the_interpreter_survives.
    ]
    for call, cls, code in direct:
        with pytest.raises(cls) as info:
            call()
        assert type(info.value) is cls
        if code is not None:
            assert info.value.code == code, info.value
        assert info.value.operation_outcome["issue"][0]["details"]["coding"][0]["code"] == info.value.code

    via_callback = [
        ("TSA.UNAVAILABLE", exceptions.TsaError),
        ("MIDDLEWARE.LIBRARY-NOT-FOUND", exceptions.MiddlewareError),
        ("REVOCATION.OCSP-UNAVAILABLE", exceptions.RevocationError),
        ("TEMPORAL.CLOCK-SKEW-DETECTED", exceptions.TemporalError),
        ("VALIDATION.UNSUPPORTED-ALGORITHM", exceptions.ValidationError),
        ("SECURITY.BUNDLE-TIMEOUT-EXCEEDED", exceptions.SecurityError),
        ("CACHE.CRITICAL-STALE", exceptions.SesgoError),
    ]
    for code, cls in via_callback:
        e = _sign_with(pki, trust, _raising(code), bundle_bytes, provenance_bytes)
        assert type(e) is cls and e.code == code, (code, e)
        assert e.operation_outcome["issue"][0]["details"]["coding"][0]["code"] == code


def test_trust_store(pki: Dict[str, Any]) -> None:
    default = sesgo.TrustStore()
    assert len(default.root_sha256) == 2
    assert sorted(sesgo.TrustStore.icp_brasil().root_sha256) == sorted(default.root_sha256)
    t = sesgo.TrustStore(root_certs_pem=pathlib.Path(pki["root"]["certPem"]))
    assert t.root_sha256 == [pki["rootSha256"]]
    both = sesgo.TrustStore(root_sha256=[pki["rootSha256"].upper()], icp_brasil=True)
    assert len(both.root_sha256) == 3
    with pytest.raises(exceptions.FormatError) as info:
        sesgo.TrustStore(root_certs_pem="-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    assert info.value.code == "FORMAT.CERT-PEM-INVALID"
    assert "rootCertsPem" in info.value.operation_outcome["issue"][0]["location"]
    with pytest.raises(TypeError):
        sesgo.TrustStore(root_sha256="abc")  # a str is not a list of fingerprints


def test_iti_archive_completes_a_leaf_only_chain(pki: Dict[str, Any], bundle_bytes: bytes, provenance_bytes: bytes) -> None:
    # The signer holds only its leaf; the ACs come from an ITI-shaped ACcompactado.zip
    # whose hashsha512.txt is checked first.
    store = sesgo.TrustStore(root_sha256=[pki["rootSha256"]], ca_archive=pki["acArchive"])
    leaf_only = sesgo.Signer.from_pem(pki["ecpf"]["keyPem"], pki["ecpf"]["certPem"])
    signed = sesgo.sign(bundle_bytes, provenance_bytes, leaf_only, store, settings=LENIENT)
    result = sesgo.verify(bundle=sesgo.dumps(signed["bundle"]), trust_store=store, settings=LENIENT)
    assert result["valid"], result
    with pytest.raises(exceptions.SesgoError) as e:
        sesgo.TrustStore(root_sha256=[pki["rootSha256"]], ca_archive=pki["acArchive"], ca_archive_sha512=pki["chainPem"])
    assert e.value.code == "SECURITY.HASH-VALIDATION-FAILED"


def test_signer_is_frozen(p12_signer: sesgo.Signer, pki: Dict[str, Any]) -> None:
    assert "12345678909" in p12_signer.subject
    assert p12_signer.certificate_chain[0] == pathlib.Path(pki["ecpf"]["certDer"]).read_bytes()
    assert len(p12_signer.certificate_chain) >= 2
    with pytest.raises(AttributeError):
        setattr(p12_signer, "foo", 1)
    with pytest.raises(TypeError):
        sesgo.Signer()  # no public constructor: use a from_* factory
    assert "sesgo.Signer" in repr(p12_signer)
    # Bytes in, same key out.
    again = sesgo.Signer.from_pkcs12(pathlib.Path(pki["p12Aes"]).read_bytes(), pki["password"].encode())
    assert again.certificate_chain == p12_signer.certificate_chain


def test_reference_time_forms(p12_signer: sesgo.Signer, trust: sesgo.TrustStore, now: int, bundle_bytes: bytes, provenance_bytes: bytes) -> None:
    aware = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    a = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, reference_time=aware)
    b = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, reference_time=now)
    assert a["signature"]["data"] == b["signature"]["data"]
    with pytest.raises(TypeError):
        sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, reference_time=datetime.datetime.now())
    with pytest.raises(exceptions.FormatError) as info:
        sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, reference_time=now + 86_400)
    assert info.value.code == "FORMAT.INVALID-TIMESTAMP"


def test_inspect_certificate(pki: Dict[str, Any], now: int) -> None:
    by_path = sesgo.inspect_certificate(pki["ecpf"]["certPem"], reference_time=now)
    by_der = sesgo.inspect_certificate(pathlib.Path(pki["ecpf"]["certDer"]).read_bytes(), reference_time=now)
    by_text = sesgo.inspect_certificate(pathlib.Path(pki["ecpf"]["certPem"]).read_text(), reference_time=now)
    by_p12 = sesgo.inspect_certificate(pathlib.Path(pki["p12Aes"]), pki["password"], alias=pki["ecpfAlias"], reference_time=now)
    fp = by_path["fingerprints"]["sha256"]
    assert by_der["fingerprints"]["sha256"] == fp == by_text["fingerprints"]["sha256"] == by_p12["fingerprints"]["sha256"]
    assert by_path["identity"]["signer"] == {"system": "urn:brasil:cpf", "value": "12345678909"}
    assert len(by_p12["chain"]) >= 1 and by_path["chain"] == []
    assert isinstance(sesgo.inspect_certificate(pki["ecpf"]["certPem"], raw=True), bytes)
    # Trust is reported apart from eligibility: the test PKI is eligible, not trusted by
    # the default ICP-Brasil roots, trusted by a store of its root.
    assert by_p12["trust"]["trusted"] is False
    assert by_p12["trust"]["findings"][0]["code"] == "CERT.NOT-ICP-BRASIL"
    assert "--trust-root-sha256" in by_p12["trust"]["findings"][0]["diagnostics"]
    assert all(e["eligible"] for e in by_p12["eligibility"].values())
    mine = sesgo.TrustStore(root_sha256=[pki["rootSha256"]], ca_certs_pem=pki["chainPem"])
    trusted = sesgo.inspect_certificate(pki["ecpf"]["certPem"], reference_time=now, trust_store=mine)
    assert trusted["trust"]["trusted"] is True and trusted["trust"]["rootSha256"] == pki["rootSha256"]
    with pytest.raises(exceptions.CryptoError) as info:
        sesgo.inspect_certificate(pki["p12Aes"], "errada")
    assert info.value.code == "CRYPTO.KEY-INACCESSIBLE"


def test_thread_pool_shares_signer_and_trust_store(
    pki: Dict[str, Any], p12_signer: sesgo.Signer, trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes
) -> None:
    signed = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust)
    prov = sesgo.dumps(signed["provenance"])
    ext = sesgo.Signer.external(pki["ecpf"]["certPem"], cryptography_signer(pki["ecpf"]["keyPem"]))

    def verify_one(i: int) -> bool:
        v = sesgo.verify(provenance=prov, bundle=bundle_bytes, trust_store=trust, settings=LENIENT)
        return bool(v["valid"])

    def sign_one(i: int) -> str:
        # Local key and external callback (which re-acquires the GIL) from every worker.
        s = p12_signer if i % 2 else ext
        out = sesgo.sign(bundle_bytes, provenance_bytes, s, trust)
        return str(out["signature"]["who"]["identifier"]["value"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(verify_one, range(48)))
        assert set(pool.map(sign_one, range(16))) == {"12345678909"}


def test_a_supplied_bundle_is_never_ignored_and_the_result_says_what_was_checked(
    p12_signer: sesgo.Signer, trust: sesgo.TrustStore, now: int, bundle_bytes: bytes, provenance_bytes: bytes
) -> None:
    # Policy 0.1.2: JCS normalizes numbers, so the transfer Bundle survives a dict.
    signed = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, reference_time=now)
    transfer = signed["bundle"]
    sig = signed["signature"]

    v = sesgo.verify(signature=sig, bundle=transfer, trust_store=trust, settings=LENIENT)
    assert v["valid"] is True and v["contentChecked"] is True, v
    # Revocation established by the live loopback responders xtask runs.
    assert v["indication"] == "TOTAL-PASSED" and v["subIndication"] is None, v
    s0 = v["signatures"][0]
    assert s0["policy"] == sesgo.POLICY_0_1_2
    assert s0["signer"] == {"system": "urn:brasil:cpf", "value": "12345678909"}
    assert len(s0["signedFullUrls"]) == 3 and s0["stages"]["content"] == "passed"
    assert v["unsignedContent"] == []

    # The signature alone proves the signature, not the content.
    v = sesgo.verify(signature_data=sig["data"], trust_store=trust, settings=LENIENT)
    assert v["valid"] is True and v["contentChecked"] is False
    assert (v["indication"], v["subIndication"]) == ("INDETERMINATE", "SIGNED_DATA_NOT_FOUND")

    # Tampered, empty, or foreign Bundle: never valid.
    tampered = sesgo.loads(sesgo.dumps(transfer).replace("36.5", "36.51", 1))
    v = sesgo.verify(signature=sig, bundle=tampered, trust_store=trust, settings=LENIENT)
    assert v["valid"] is False and "CRYPTO.HASH-VERIFICATION-FAILED" in codes(v["outcome"])
    for other in ({"resourceType": "Bundle", "type": "collection", "entry": []}, bundle_bytes):
        v = sesgo.verify(signature=sig, bundle=other, trust_store=trust, settings=LENIENT)
        assert v["valid"] is False and codes(v["outcome"])[0] == "FORMAT.SIGNATURE-MISSING", v

    # A shadow entry (same fullUrl, changed value) appended: invalid.
    obs = next(e for e in transfer["entry"] if e["resource"]["resourceType"] == "Observation")
    shadow = sesgo.loads(sesgo.dumps(obs).replace("36.5", "39.9", 1))
    v = sesgo.verify(bundle={**transfer, "entry": transfer["entry"] + [shadow]}, trust_store=trust, settings=LENIENT)
    assert v["valid"] is False and "FORMAT.DUPLICATE-FULLURL" in codes(v["outcome"])

    # An extra unsigned entry: listed (warning), or an error when the receiver says so.
    extra = {"fullUrl": "urn:uuid:9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", "resource": {"resourceType": "Patient"}}
    with_extra = {**transfer, "entry": transfer["entry"] + [extra]}
    v = sesgo.verify(bundle=with_extra, trust_store=trust, settings=LENIENT)
    assert v["valid"] is True and v["unsignedContent"] == [{"location": "Bundle.entry[4]", "fullUrl": extra["fullUrl"]}]
    v = sesgo.verify(bundle=with_extra, trust_store=trust, settings=LENIENT, unsigned_entries="error")
    assert v["valid"] is False

    # Receiver policy: only 0.2.0 accepted.
    v = sesgo.verify(bundle=transfer, trust_store=trust, settings=LENIENT, accepted_policies=[sesgo.POLICY_0_2_0])
    assert v["valid"] is False and "POLICY.VERSION-UNSUPPORTED" in codes(v["outcome"])


@pytest.mark.parametrize("policy", POLICIES)
def test_sign_with_a_tsa(pki: Dict[str, Any], p12_signer: sesgo.Signer, trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes, policy: str) -> None:
    # Strategy "tsa" (issue 20): an RFC 3161 token from the loopback HTTPS TSA that
    # `cargo xtask test python` starts (openssl ts -reply), settings through options JSON.
    tsa = pki["tsa"]
    settings = {"tsaUrl": tsa["url"], "tsaTlsRootsPem": pathlib.Path(tsa["tlsRootPem"]).read_text(), "tsaPolicy": tsa["policy"]}
    signed = sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, policy=policy, strategy="tsa", settings=settings)
    jws = json.loads(base64.b64decode(signed["signature"]["data"]))
    header = jws["signatures"][0]["header"]
    if policy == sesgo.POLICY_0_2_0:
        assert list(header) == ["etsiU"]
        token = header["etsiU"][0]["sigTst"]["tstTokens"][0]["val"]
    else:
        token = header["sigTst"]
    assert base64.b64decode(token)[:1] == b"\x30"
    v = sesgo.verify(signature=signed["signature"], provenance=signed["provenance"], bundle=bundle_bytes, trust_store=trust, settings={**LENIENT, "tsaPolicy": tsa["policy"]})
    assert v["valid"] is True, v
    assert v["signatures"][0]["strategy"] == "tsa"
    assert v["signatures"][0]["stages"]["time"] == "passed"
    # A TSA that cannot be reached.
    with pytest.raises(sesgo.SesgoError) as e:
        sesgo.sign(bundle_bytes, provenance_bytes, p12_signer, trust, policy=policy, strategy="tsa", settings={**settings, "tsaUrl": "https://127.0.0.1:1/tsa"})
    assert e.value.code == "TSA.UNAVAILABLE"


def test_verify_many_equals_verify_item_by_item(p12_signer: sesgo.Signer, trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes, pki: Dict[str, Any]) -> None:
    signed = sesgo.sign_parts(bundle_bytes, provenance_bytes, p12_signer, trust, policy=sesgo.POLICY_0_2_0, settings=LENIENT)
    tampered = signed.bundle.replace(b'"final"', b'"amended"', 1)
    items: List[Any] = [
        signed.bundle,
        sesgo.loads(signed.bundle),  # a dict: written back exactly (sesgo.dumps)
        tampered,
        signed.bundle[:50],
        sesgo.VerifyItem(provenance=signed.provenance, bundle=bundle_bytes),
        sesgo.VerifyItem(signature=signed.signature),
        sesgo.VerifyItem(),
    ] * 5
    for threads in (0, 1, 3):
        results = sesgo.verify_many(items, trust_store=trust, threads=threads)
        assert len(results) == len(items)
        for item, got in zip(items, results):
            it = item if isinstance(item, sesgo.VerifyItem) else sesgo.VerifyItem(bundle=item)
            try:
                want = sesgo.verify(bundle=it.bundle, provenance=it.provenance, signature=it.signature, trust_store=trust)
            except sesgo.SesgoError as e:
                assert not got["valid"] and codes(got["outcome"]) == [e.code], got
                assert got["indication"] in ("TOTAL-FAILED", "INDETERMINATE") and got["signatures"] == []
                continue
            assert got["valid"] == want["valid"] and codes(got["outcome"]) == codes(want["outcome"])
        assert [r["valid"] for r in results[:7]] == [True, True, False, False, True, True, False]
        assert "CRYPTO.HASH-VERIFICATION-FAILED" in codes(results[2]["outcome"])
        assert codes(results[3]["outcome"]) == ["FORMAT.JSON-MALFORMED"] and results[3]["subIndication"] == "FORMAT_FAILURE"
        assert results[5]["contentChecked"] is False
    raw = sesgo.verify_many([signed.bundle], trust_store=trust, raw=True)
    assert isinstance(raw[0], bytes) and json.loads(raw[0])["valid"] is True
    assert sesgo.verify_many([], trust_store=trust) == []
    # What would refuse every item refuses the call.
    with pytest.raises(exceptions.ConfigError):
        sesgo.verify_many([signed.bundle], trust_store=trust, settings={"ocspTimeoutSecs": 1})
    with pytest.raises(exceptions.ArgumentValueError):
        sesgo.verify_many([signed.bundle], trust_store=trust, threads=-1)


def test_revocation_evidence_verifies_offline_under_strict(p12_signer: sesgo.Signer, trust: sesgo.TrustStore, bundle_bytes: bytes, provenance_bytes: bytes, pki: Dict[str, Any]) -> None:
    # Policy 0.2.0: no rRefs (under 0.1 they name the very OCSP answers signing obtained).
    signed = sesgo.sign_parts(bundle_bytes, provenance_bytes, p12_signer, trust, policy=sesgo.POLICY_0_2_0)
    offline = {"network": False}
    # The evidence reaches the facade: a path that is not there is refused, in both calls.
    for call in (sesgo.verify, lambda **kw: sesgo.verify_many([kw.pop("bundle")], **kw)):
        with pytest.raises(sesgo.SesgoError) as info:
            call(bundle=signed.bundle, trust_store=trust, settings=offline, revocation_evidence=[pki["dir"] + "/nao-existe.der"])
        assert "revocationEvidence" in (info.value.location or "") + info.value.diagnostics, info.value
    evidence = [pki["revocationEvidence"]]
    with_evidence = sesgo.verify(bundle=signed.bundle, trust_store=trust, settings=offline, revocation_evidence=evidence)
    assert with_evidence["valid"], with_evidence["outcome"]
    many = sesgo.verify_many([signed.bundle], trust_store=trust, settings=offline, revocation_evidence=evidence)
    assert many[0]["valid"], many[0]["outcome"]
    with pytest.raises(exceptions.ArgumentTypeError):
        sesgo.verify(bundle=signed.bundle, trust_store=trust, revocation_evidence=pki["revocationEvidence"])
