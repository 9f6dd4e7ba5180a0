"""Bulk scanning: many pages (JSONL, folders, WARC crawls) through the engine, in partitions,
locally or on a Dask cluster, into Parquet (or JSONL) results with an HTML report.

>>> from app.scan import ScanConfig, scan
>>> summary = scan(ScanConfig(inputs=(Path("crawl.warc.gz"),), out=Path("results")))

Needs the ``scan`` extra (dask, distributed, pyarrow, warcio, tqdm, matplotlib).
See docs/scan.md.
"""

from app.scan.partition import Partition, partitions
from app.scan.readers import InputError, Page, ReadStats, decode_html, iter_pages
from app.scan.results import COUNT_COLUMNS, FINDINGS_SCHEMA, PAGES_SCHEMA
from app.scan.runner import ScanConfig, ScanSummary, check_config, scan
from app.scan.store import ResultStore, ScanError
from app.scan.worker import EngineSpec, PartitionResult, process_partition

__all__ = [
    "COUNT_COLUMNS",
    "FINDINGS_SCHEMA",
    "PAGES_SCHEMA",
    "EngineSpec",
    "InputError",
    "Page",
    "Partition",
    "PartitionResult",
    "ReadStats",
    "ResultStore",
    "ScanConfig",
    "ScanError",
    "ScanSummary",
    "check_config",
    "decode_html",
    "iter_pages",
    "partitions",
    "process_partition",
    "scan",
]
