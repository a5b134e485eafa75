"""Verify and sign at archive scale on Apache Spark (PySpark), with no logic of its own.

Each function maps a DataFrame through ``mapInPandas``. Every Python worker opens what it
needs once per partition: a :class:`~sesgo.TrustStore` from the given keyword arguments,
or a :class:`~sesgo.Signer` from a PKCS#12 or PEM key. It then calls
:func:`sesgo.verify_many` (across the worker's cores) or :func:`sesgo.sign` per row. The
results are typed columns. A row whose input is unusable gets an invalid result with its
code; it never fails the job. The paths given (roots, CA archive, revocation evidence,
keys) must exist on every executor: ship them with the job (``--files``,
``SparkContext.addFile``) or put them on shared storage. PySpark, pandas and pyarrow are
needed only here; ``import sesgo`` does not load them.

PKCS#11 tokens and external signers are not offered on a cluster: a token sits in one
machine, and a callback cannot be shipped to executors.

Example (see ``examples/spark/verify_archive.py``)::

    from sesgo.spark import verify_dataframe
    df = spark.read.text("archive/*.ndjson").withColumnRenamed("value", "bundle")
    out = verify_dataframe(df, trust_store={"root_sha256": ["..."], "ca_archive": "AC.zip"})
    out.groupBy("signer", "valid").count().show()
"""

from __future__ import annotations

import datetime
import json
import os
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence

import sesgo

if TYPE_CHECKING:  # pragma: no cover - types only
    from pyspark.sql import DataFrame  # type: ignore[import-not-found, import-untyped, unused-ignore]

__all__ = ["VERIFY_COLUMNS", "SIGN_COLUMNS", "verify_dataframe", "sign_dataframe"]

#: The columns :func:`verify_dataframe` appends, as a Spark DDL schema.
VERIFY_COLUMNS = (
    "valid boolean, indication string, policy string, signer string, "
    "signed_at timestamp, signatures int, content_checked boolean, "
    "codes array<struct<code:string,severity:string,location:string>>, outcome string"
)

#: The columns :func:`sign_dataframe` appends, as a Spark DDL schema.
SIGN_COLUMNS = (
    "signed_bundle string, signature string, signed_provenance string, "
    "codes array<struct<code:string,severity:string,location:string>>, outcome string"
)


def _schema(df: "DataFrame", ddl: str) -> Any:
    from pyspark.sql.types import StructType  # type: ignore[import-not-found, import-untyped, unused-ignore]

    added: Any = StructType.fromDDL(ddl)
    taken = set(df.columns) & set(added.fieldNames())
    if taken:
        raise sesgo._error(
            sesgo.exceptions.ArgumentValueError,
            "CONFIG.INVALID-PARAMETER",
            "df",
            f"o DataFrame já tem colunas com os nomes dos resultados: {sorted(taken)}",
        )
    return StructType(df.schema.fields + added.fields)


def _codes(outcome: Mapping[str, Any]) -> List[Dict[str, Optional[str]]]:
    """The outcome's issues as (code, severity, location) rows, in order."""
    rows = []
    for issue in outcome.get("issue", []):
        loc = issue.get("location") or [None]
        rows.append(
            {
                "code": issue["details"]["coding"][0]["code"],
                "severity": issue["severity"],
                "location": loc[0],
            }
        )
    return rows


def _verify_row(result: Mapping[str, Any]) -> Dict[str, Any]:
    """One result of :func:`sesgo.verify_many` as the columns of VERIFY_COLUMNS; signer,
    policy and time are those of the first signature (``signatures`` counts them)."""
    sigs = result["signatures"]
    first = sigs[0] if sigs else {}
    signer = first.get("signer")
    t = first.get("signingTime")
    return {
        "valid": bool(result["valid"]),
        "indication": result["indication"],
        "policy": first.get("policy"),
        "signer": f"{signer['system']}:{signer['value']}" if signer else None,
        "signed_at": None if t is None else datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc),
        "signatures": len(sigs),
        "content_checked": bool(result["contentChecked"]),
        "codes": _codes(result["outcome"]),
        "outcome": sesgo.dumps(result["outcome"]),
    }


def _text(v: Any) -> Any:
    """A cell as verify_many takes it: None stays None (the item is then refused with its
    own code), bytes and str as they are."""
    if v is None or isinstance(v, (bytes, str)):
        return v
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    return str(v)


def verify_dataframe(
    df: "DataFrame",
    bundle_col: Optional[str] = "bundle",
    *,
    provenance_col: Optional[str] = None,
    signature_col: Optional[str] = None,
    trust_store: Optional[Mapping[str, Any]] = None,
    policy: Optional[str] = None,
    settings: Optional[Dict[str, Any]] = None,
    accepted_policies: Optional[List[str]] = None,
    unsigned_entries: Optional[str] = None,
    revocation_evidence: Optional[Sequence[str]] = None,
    threads: int = 0,
) -> "DataFrame":
    """``df`` with the columns of :data:`VERIFY_COLUMNS` appended, one verification per row.

    ``bundle_col`` holds transfer Bundles, or the Bundles that ``provenance_col`` (signed
    Provenances) or ``signature_col`` (FHIR Signatures) cover. The cells are JSON text
    or bytes, as read; Spark never re-serializes them. ``trust_store`` holds the keyword
    arguments of :class:`sesgo.TrustStore` (default: the ICP-Brasil roots).
    ``revocation_evidence`` lists OCSP response and CRL paths. ``threads`` is the number
    of verification threads per task (0: every core of the executor; with several tasks
    per executor, give ``spark.task.cpus`` cores and the same number here). The other
    options are those of :func:`sesgo.verify`, applied to every row. The reference time
    is the moment of each task, because the guide refuses one more than 300 s from the
    clock. Each row's result equals ``sesgo.verify`` on that row.
    """
    schema = _schema(df, VERIFY_COLUMNS)
    store_kwargs = dict(trust_store or {})
    opts: Dict[str, Any] = {
        "policy": policy,
        "settings": settings,
        "accepted_policies": accepted_policies,
        "unsigned_entries": unsigned_entries,
        "revocation_evidence": None if revocation_evidence is None else list(revocation_evidence),
        "threads": threads,
    }
    cols = (bundle_col, provenance_col, signature_col)
    names = [f.name for f in schema.fields[len(df.columns):]]

    def run(batches: Iterable[Any]) -> Iterator[Any]:
        import pandas as pd  # type: ignore[import-not-found, import-untyped, unused-ignore]

        store = sesgo.TrustStore(**store_kwargs) if store_kwargs else None
        for pdf in batches:
            n = len(pdf)
            get = [pdf[c].tolist() if c else [None] * n for c in cols]
            items = [
                sesgo.VerifyItem(bundle=_text(b), provenance=_text(p), signature=_text(s))
                for b, p, s in zip(*get)
            ]
            rows = [_verify_row(r) for r in sesgo.verify_many(items, trust_store=store, **opts)]
            added = pd.DataFrame(rows, index=pdf.index, columns=names)
            yield pd.concat([pdf, added], axis=1)

    return df.mapInPandas(run, schema)


def sign_dataframe(
    df: "DataFrame",
    bundle_col: str = "bundle",
    provenance_col: str = "provenance",
    *,
    pkcs12: Optional[str] = None,
    key_pem: Optional[str] = None,
    cert_pem: Optional[str] = None,
    password_env: Optional[str] = None,
    trust_store: Optional[Mapping[str, Any]] = None,
    policy: Optional[str] = None,
    strategy: Optional[str] = None,
    settings: Optional[Dict[str, Any]] = None,
) -> "DataFrame":
    """``df`` with the columns of :data:`SIGN_COLUMNS` appended: each row's Bundle and
    Provenance signed as :func:`sesgo.sign_parts` signs them. The outputs are their exact
    UTF-8 JSON text: store and send those, never a re-serialization.

    The key is a PKCS#12 file (``pkcs12``), or a PEM key (``key_pem``) with its chain
    (``cert_pem``). Each is a path that exists on every executor. Its password is read
    there from the environment variable ``password_env``, so it never travels in the job
    (``spark.executorEnv.<VAR>``). Each task opens the signer once. A row that cannot be
    signed gets null outputs, and its error's code and OperationOutcome in ``codes`` and
    ``outcome``. Warnings of a signed row are in ``codes`` as well.
    """
    if (pkcs12 is None) == (key_pem is None) or (key_pem is not None and cert_pem is None):
        raise sesgo._error(
            sesgo.exceptions.ArgumentValueError,
            "CONFIG.MISSING-PARAMETER",
            "pkcs12",
            "informe pkcs12 ou key_pem (com cert_pem), um deles",
        )
    schema = _schema(df, SIGN_COLUMNS)
    store_kwargs = dict(trust_store or {})
    opts: Dict[str, Any] = {"policy": policy, "strategy": strategy, "settings": settings}
    # Computed here: the function shipped to the executors must not capture the DataFrame.
    names = [f.name for f in schema.fields[len(df.columns):]]

    def run(batches: Iterable[Any]) -> Iterator[Any]:
        import pandas as pd  # type: ignore[import-not-found, import-untyped, unused-ignore]

        password = os.environ.get(password_env) if password_env else None
        if pkcs12 is not None:
            signer = sesgo.Signer.from_pkcs12(pkcs12, password or "")
        else:
            assert key_pem is not None and cert_pem is not None  # checked above
            signer = sesgo.Signer.from_pem(key_pem, cert_pem, password)
        store = sesgo.TrustStore(**store_kwargs) if store_kwargs else None
        for pdf in batches:
            rows = []
            for b, p in zip(pdf[bundle_col].tolist(), pdf[provenance_col].tolist()):
                try:
                    s = sesgo.sign_parts(_text(b), _text(p), signer, store, **opts)
                except sesgo.SesgoError as e:
                    rows.append(
                        {
                            "signed_bundle": None,
                            "signature": None,
                            "signed_provenance": None,
                            "codes": _codes(e.operation_outcome),
                            "outcome": sesgo.dumps(e.operation_outcome),
                        }
                    )
                    continue
                warnings = json.loads(s.warnings) if s.warnings else {"issue": []}
                rows.append(
                    {
                        "signed_bundle": s.bundle.decode("utf-8"),
                        "signature": s.signature.decode("utf-8"),
                        "signed_provenance": s.provenance.decode("utf-8"),
                        "codes": _codes(warnings),
                        "outcome": s.warnings.decode("utf-8") if s.warnings else None,
                    }
                )
            yield pd.concat([pdf, pd.DataFrame(rows, index=pdf.index, columns=names)], axis=1)

    return df.mapInPandas(run, schema)
