"""Throughput of archive verification: a plain single-process loop over ``sesgo.verify``,
the batch API (``sesgo.verify_many``) on 1 and 2 threads, and ``sesgo.spark`` on
``local[1]`` and ``local[2]``, all over the same rows and in one run. Prints JSON.

    python bench_archive.py 'archive/bundles-*.ndjson' --root-sha256 HEX --ca-certs chain.pem

Each Spark figure is the best of ``--repeat`` runs of verify + a no-op write. A warm-up
on a small slice comes first, so JVM start-up and Python worker start-up are not
counted.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pathlib
import sys
import time
from typing import Any, Callable, Dict, List, Optional

import sesgo


def _best(f: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help="glob of NDJSON files, one transfer Bundle per line")
    ap.add_argument("--root-sha256", action="append", default=[])
    ap.add_argument("--ca-certs")
    ap.add_argument("--settings", type=json.loads, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spark-conf", action="append", default=[], help="KEY=VALUE for the Spark sessions")
    args = ap.parse_args(argv)

    lines = [l for f in sorted(glob.glob(args.input)) for l in pathlib.Path(f).read_text(encoding="utf-8").splitlines() if l]
    kwargs: Dict[str, Any] = {}
    if args.root_sha256:
        kwargs["root_sha256"] = args.root_sha256
    if args.ca_certs:
        kwargs["ca_certs_pem"] = pathlib.Path(args.ca_certs)
    data = [l.encode("utf-8") for l in lines]

    def loop() -> None:
        trust = sesgo.TrustStore(**kwargs)
        for b in data:
            try:
                sesgo.verify(bundle=b, trust_store=trust, settings=args.settings, raw=True)
            except sesgo.SesgoError:
                pass

    def batch(threads: int) -> Callable[[], None]:
        def run() -> None:
            trust = sesgo.TrustStore(**kwargs)
            sesgo.verify_many(data, trust_store=trust, settings=args.settings, threads=threads, raw=True)

        return run

    loop()  # warm: caches of the OS and of the allocator; each timed run opens its own TrustStore
    results: Dict[str, float] = {
        "loop": _best(loop, args.repeat),
        "verify_many_1": _best(batch(1), args.repeat),
        "verify_many_2": _best(batch(2), args.repeat),
    }

    from pyspark.sql import SparkSession

    from sesgo.spark import verify_dataframe

    for cores in (1, 2):
        b = SparkSession.builder.master(f"local[{cores}]").appName(f"sesgo-bench-{cores}")
        for kv in args.spark_conf:
            k, v = kv.split("=", 1)
            b = b.config(k, v)
        spark = b.getOrCreate()
        # One partition per core, one verification thread per task.
        df = spark.createDataFrame([(l,) for l in lines], "bundle string").repartition(cores).cache()
        df.count()

        def job(frame: Any) -> None:
            verify_dataframe(frame, trust_store=kwargs, settings=args.settings, threads=1).write.format("noop").mode("overwrite").save()

        job(df.limit(200))
        results[f"spark_local_{cores}"] = _best(lambda: job(df), args.repeat)
        # The next session runs in the same JVM: free this one's cached rows first.
        df.unpersist(blocking=True)
        spark.stop()

    n = len(lines)
    out = {
        "rows": n,
        "cpus": os.cpu_count(),
        "seconds": results,
        "rowsPerSecond": {k: round(n / v, 1) for k, v in results.items()},
        "ratios": {
            "verify_many 2 threads / 1 thread": round(results["verify_many_1"] / results["verify_many_2"], 2),
            "spark local[2] / local[1]": round(results["spark_local_1"] / results["spark_local_2"], 2),
            "spark local[2] / plain loop": round(results["loop"] / results["spark_local_2"], 2),
            "verify_many 2 threads / plain loop": round(results["loop"] / results["verify_many_2"], 2),
        },
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
