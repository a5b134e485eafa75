"""sesgo.spark on a real local Spark (PySpark, local[2]) against the installed wheel:
`cargo xtask test spark`. Every Spark result is compared, row for row, with sesgo called
directly; the example job verifies a generated archive of 10,000 signed Bundles."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import subprocess
import sys
from typing import Any, Dict, Iterator, List

import pytest
from pyspark.sql import SparkSession

import sesgo
from sesgo.spark import sign_dataframe, verify_dataframe

EXAMPLES = pathlib.Path(os.environ.get("SESGO_EXAMPLES", pathlib.Path(__file__).resolve().parents[3] / "examples"))
# Only the e-CPF of the test PKI names an OCSP responder; the e-CNPJ and the e-seal name
# none, so their status is a warning under "warn" (a revoked certificate stays an error).
WARN = {"revocationPolicy": "warn"}
# The loopback only (no UI port, driver and block manager on 127.0.0.1).
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "500",
}


@pytest.fixture(scope="session")
def pki() -> Dict[str, Any]:
    path = os.environ.get("SESGO_TEST_PKI")
    assert path, "SESGO_TEST_PKI is not set: run with `cargo xtask test spark`"
    manifest: Dict[str, Any] = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    return manifest


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    b = SparkSession.builder.master("local[2]").appName("sesgo-spark-tests")
    for k, v in LOCAL_CONF.items():
        b = b.config(k, v)
    # Secrets reach the executors through their environment, never in the job.
    manifest = json.loads(pathlib.Path(os.environ["SESGO_TEST_PKI"]).read_text(encoding="utf-8"))
    b = b.config("spark.executorEnv.SESGO_SPARK_TEST_PASSWORD", manifest["password"])
    b = b.config("spark.executorEnv.SESGO_SPARK_WRONG_PASSWORD", "errada")
    s = b.getOrCreate()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def trust_kwargs(pki: Dict[str, Any]) -> Dict[str, Any]:
    return {"root_sha256": [pki["rootSha256"]], "ca_certs_pem": pathlib.Path(pki["chainPem"])}


@pytest.fixture(scope="session")
def archive(pki: Dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A small archive from the generator: every kind of row, both policies, 3 signers."""
    out = tmp_path_factory.mktemp("archive")
    _make_archive(pki, out, 120)
    return out


def _make_archive(pki: Dict[str, Any], out: pathlib.Path, count: int) -> None:
    env = dict(os.environ, SESGO_ARCHIVE_PASSWORD=pki["password"])
    subprocess.run(
        [
            sys.executable, str(EXAMPLES / "spark" / "make_archive.py"), str(out),
            "--count", str(count), "--files", "3",
            "--p12", pki["p12Aes"], "--p12", pki["p12Ecnpj"],
            "--pem", pki["eseal"]["keyPem"], pki["eseal"]["certPem"],
            "--revoked-pem", pki["ecpfRevoked"]["keyPem"], pki["ecpfRevoked"]["certPem"],
            "--password-env", "SESGO_ARCHIVE_PASSWORD",
            "--root-sha256", pki["rootSha256"], "--ca-certs", pki["chainPem"],
            "--tamper-every", "7", "--corrupt-every", "31", "--settings", json.dumps(WARN),
        ],
        check=True, env=env,
    )


def _lines(archive: pathlib.Path) -> List[str]:
    return [l for f in sorted(archive.glob("bundles-*.ndjson")) for l in f.read_text(encoding="utf-8").splitlines() if l]


def _labels(archive: pathlib.Path) -> Dict[str, Dict[str, Any]]:
    rows = [json.loads(l) for l in (archive / "labels.ndjson").read_text(encoding="utf-8").splitlines()]
    return {r["sha256"]: r for r in rows}


def _direct(bundle: Any, trust: sesgo.TrustStore) -> Dict[str, Any]:
    """sesgo.verify on one row, an unusable input turned into the result verify_many gives."""
    try:
        r: Dict[str, Any] = sesgo.verify(bundle=bundle, trust_store=trust, settings=WARN)
        return r
    except sesgo.SesgoError as e:
        return {"valid": False, "outcome": e.operation_outcome, "signatures": [], "error": e.code}


def _issues(outcome: Dict[str, Any]) -> List[Any]:
    return [(i["details"]["coding"][0]["code"], i["severity"], (i.get("location") or [None])[0]) for i in outcome["issue"]]


@pytest.mark.parametrize("partitions", [1, 7, 200])
def test_verify_dataframe_equals_verify_row_for_row(spark: SparkSession, archive: pathlib.Path, trust_kwargs: Dict[str, Any], partitions: int) -> None:
    lines = _lines(archive)
    rows = [(i, l) for i, l in enumerate(lines)] + [(len(lines), None), (len(lines) + 1, "não é JSON")]
    df = spark.createDataFrame(rows, "n long, bundle string").repartition(partitions)
    out = {r["n"]: r for r in verify_dataframe(df, trust_store=trust_kwargs, settings=WARN, threads=2).collect()}
    assert len(out) == len(rows)
    trust = sesgo.TrustStore(**trust_kwargs)
    labels = _labels(archive)
    kinds = set()
    for n, bundle in rows:
        got, want = out[n], _direct(bundle, trust)
        assert got["valid"] == want["valid"], (n, got["outcome"])
        # Codes, severities and locations as sesgo.verify gives them (diagnostics may say
        # whether an OCSP answer came from the network or the cache: not compared).
        assert [(c["code"], c["severity"], c["location"]) for c in got["codes"]] == _issues(want["outcome"]), n
        assert json.loads(got["outcome"])["resourceType"] == "OperationOutcome"
        assert got["signatures"] == len(want["signatures"])
        if bundle is None or n >= len(lines):
            assert not got["valid"] and got["signer"] is None
            continue
        label = labels[hashlib.sha256(bundle.encode("utf-8")).hexdigest()]
        kinds.add(label["expect"])
        assert got["valid"] == (label["expect"] == "valid"), (label, got["codes"])
        if label["expect"] != "corrupt":
            assert got["signer"] == label["signer"] and got["policy"] == label["policy"]
            assert got["signed_at"] is not None and got["content_checked"]
        codes = [c["code"] for c in got["codes"]]
        if label["expect"] == "tampered":
            assert any(c.startswith("CRYPTO.") for c in codes), codes
        if label["expect"] == "revoked":
            assert "CERT.REVOKED" in codes, codes
        if label["expect"] == "corrupt":
            assert codes == ["FORMAT.JSON-MALFORMED"] and got["indication"] == "TOTAL-FAILED"
    assert kinds == {"valid", "tampered", "corrupt", "revoked"}
    assert out[len(lines)]["codes"][0]["severity"] in ("error", "fatal")


def test_sign_dataframe_then_verify(spark: SparkSession, pki: Dict[str, Any], trust_kwargs: Dict[str, Any]) -> None:
    bundle = (EXAMPLES / "bundle.json").read_text(encoding="utf-8")
    provenance = (EXAMPLES / "provenance.json").read_text(encoding="utf-8")
    rows = [(i, bundle.replace('"obs-temp-1"', f'"obs-{i}"'), provenance) for i in range(24)]
    rows.append((24, bundle, '{"resourceType":"Provenance"}'))
    df = spark.createDataFrame(rows, "n long, bundle string, provenance string").repartition(3)
    signed = sign_dataframe(
        df, pkcs12=pki["p12Aes"], password_env="SESGO_SPARK_TEST_PASSWORD",
        trust_store=trust_kwargs, policy=sesgo.POLICY_0_2_0,
    ).cache()
    bad = signed.where("n = 24").first()
    assert bad["signed_bundle"] is None and bad["codes"][0]["code"].startswith(("FORMAT.", "CONFIG.")), bad["codes"]
    good = signed.where("signed_bundle is not null")
    assert good.count() == 24
    checked = verify_dataframe(good.select("n", good["signed_bundle"].alias("bundle")), trust_store=trust_kwargs).collect()
    assert len(checked) == 24 and all(r["valid"] for r in checked), [r["codes"] for r in checked if not r["valid"]]
    assert {r["policy"] for r in checked} == {sesgo.POLICY_0_2_0}
    # Each output is the exact text sesgo produced: it verifies directly too.
    one = good.first()
    assert sesgo.verify(bundle=one["signed_bundle"].encode("utf-8"), trust_store=sesgo.TrustStore(**trust_kwargs))["valid"]
    # A signer that cannot be opened fails the task with sesgo's error, not a wrong row.
    with pytest.raises(Exception) as info:
        sign_dataframe(df, pkcs12=pki["p12Aes"], password_env="SESGO_SPARK_WRONG_PASSWORD").collect()
    assert "CRYPTO.KEY-INACCESSIBLE" in str(info.value)


def test_result_columns_must_not_collide(spark: SparkSession) -> None:
    df = spark.createDataFrame([("{}", True)], "bundle string, valid boolean")
    with pytest.raises(sesgo.exceptions.ArgumentValueError) as info:
        verify_dataframe(df)
    assert info.value.code == "CONFIG.INVALID-PARAMETER"


def test_example_job_verifies_a_10000_bundle_archive(pki: Dict[str, Any], tmp_path: pathlib.Path) -> None:
    archive = tmp_path / "archive"
    _make_archive(pki, archive, 10000)
    labels = _labels(archive)
    assert len(labels) >= 9900  # equal texts (none expected) would share a label
    results = tmp_path / "results"
    conf = [a for k, v in LOCAL_CONF.items() for a in ("--conf", f"{k}={v}")]
    job = subprocess.run(
        [
            str(pathlib.Path(sys.executable).with_name("spark-submit")), "--master", "local[2]", *conf,
            str(EXAMPLES / "spark" / "verify_archive.py"), str(archive / "bundles-*.ndjson"), str(results),
            "--root-sha256", pki["rootSha256"], "--ca-certs", pki["chainPem"], "--threads", "1",
            "--settings", json.dumps(WARN),
        ],
        check=True, capture_output=True, text=True,
    )
    print(job.stdout)
    assert "10000 Bundles" in job.stdout, job.stdout + job.stderr
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    expected = [l["expect"] for l in _labels(archive).values()]
    assert summary["rows"] == 10000
    assert summary["valid"] == expected.count("valid")
    import pyarrow.parquet as pq

    table = pq.read_table(results, columns=["sha256", "valid", "signer", "policy", "codes"]).to_pylist()
    assert len(table) == 10000
    for r in table:
        label = labels[r["sha256"]]
        assert r["valid"] == (label["expect"] == "valid"), (label, r["codes"])
        if label["expect"] != "corrupt":
            assert (r["signer"], r["policy"]) == (label["signer"], label["policy"])
