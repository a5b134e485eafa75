"""Re-verify an archive of signed transfer Bundles on Apache Spark and report per signer
and per code.

Input: a directory (or glob) of NDJSON files, one transfer Bundle per line exactly as
received, or Parquet with a ``bundle`` column. Output: Parquet with each input row, the
SHA-256 of its text (``sha256``) and sesgo's typed result columns
(:data:`sesgo.spark.VERIFY_COLUMNS`). A summary per signer and per code goes to stdout,
and as JSON to ``OUT/../<OUT name>.summary.json``.

On a cluster::

    spark-submit --master yarn --files AC.zip verify_archive.py s3://.../archive/ s3://.../results \\
        --root-sha256 HEX --ca-archive AC.zip

On a laptop: ``spark-submit --master 'local[*]' verify_archive.py archive/ results``.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any, Dict, List, Optional

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from sesgo.spark import verify_dataframe


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help="NDJSON directory/glob, or Parquet with a `bundle` column")
    ap.add_argument("output", help="Parquet directory for the per-row results (replaced)")
    ap.add_argument("--format", choices=["ndjson", "parquet"], default="ndjson")
    ap.add_argument("--root-sha256", action="append", default=[], help="trusted root (repeatable; default: ICP-Brasil)")
    ap.add_argument("--ca-certs", help="PEM with intermediate CAs (a path on every executor)")
    ap.add_argument("--ca-archive", help="ITI's ACcompactado.zip (a path on every executor)")
    ap.add_argument("--revocation-evidence", action="append", default=None, help="OCSP responses/CRLs (repeatable)")
    ap.add_argument("--settings", type=json.loads, default=None, help="settings JSON, e.g. '{\"revocationPolicy\":\"warn\"}'")
    ap.add_argument("--threads", type=int, default=0, help="verification threads per task (0: every core)")
    ap.add_argument("--partitions", type=int, default=0, help="repartition the input (0: as read)")
    args = ap.parse_args(argv)

    spark = SparkSession.builder.appName("sesgo-verify-archive").getOrCreate()
    if args.format == "ndjson":
        df = spark.read.text(args.input).withColumnRenamed("value", "bundle")
        # A blank line is not a row.
        df = df.where(F.length("bundle") > 0)
    else:
        df = spark.read.parquet(args.input)
    if args.partitions:
        df = df.repartition(args.partitions)
    df = df.withColumn("sha256", F.sha2(F.col("bundle"), 256))
    trust: Dict[str, Any] = {}
    if args.root_sha256:
        trust["root_sha256"] = args.root_sha256
    if args.ca_certs:
        trust["ca_certs_pem"] = pathlib.Path(args.ca_certs)
    if args.ca_archive:
        trust["ca_archive"] = args.ca_archive
    out = verify_dataframe(
        df,
        trust_store=trust,
        settings=args.settings,
        revocation_evidence=args.revocation_evidence,
        threads=args.threads,
    )
    out.write.mode("overwrite").parquet(args.output)

    results = spark.read.parquet(args.output)
    per_signer = (
        results.groupBy("signer")
        .agg(F.count("*").alias("rows"), F.sum(F.col("valid").cast("int")).alias("valid"))
        .orderBy("signer")
    )
    per_code = (
        results.select(F.explode("codes").alias("c"))
        .groupBy("c.code", "c.severity")
        .count()
        .orderBy(F.desc("count"), "code")
    )
    signers = [r.asDict() for r in per_signer.collect()]
    codes = [r.asDict() for r in per_code.collect()]
    total = results.count()
    valid = results.where("valid").count()
    summary = {"rows": total, "valid": valid, "invalid": total - valid, "perSigner": signers, "perCode": codes}
    print(f"{total} Bundles: {valid} válidos, {total - valid} inválidos")
    print("por signatário:")
    for s in signers:
        print(f"  {s['signer'] or '(nenhum)':<32} {s['rows']:>8} linhas {s['valid'] or 0:>8} válidas")
    print("por código:")
    for c in codes:
        print(f"  {c['code']:<44} {c['severity']:<12} {c['count']:>8}")
    target = pathlib.Path(args.output)
    if "://" not in args.output:
        target.with_name(target.name + ".summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
