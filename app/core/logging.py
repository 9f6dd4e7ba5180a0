"""Structured JSON logs.  Only whitelisted fields are written: sizes, timings, hashes, ids.

The text a client sends is never logged: the formatter ignores a record's
arguments and writes its message (a fixed event name) and the allowed extras.
"""

from __future__ import annotations

import logging
import sys
import time

import orjson

ALLOWED_FIELDS = (
    "request_id",
    "method",
    "path",
    "status",
    "bytes_in",
    "bytes_out",
    "duration_ms",
    "items",
    "characters",
    "findings",
    "matches",
    "check_ms",
    "text_sha256",
    "error",
    "model_version",
    "rules_version",
    "detail",
)


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "event": record.msg if isinstance(record.msg, str) else type(record.msg).__name__,
        }
        for key in ALLOWED_FIELDS:
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
        return orjson.dumps(entry).decode()


def configure_logging(level: str = "INFO") -> None:
    # The JSON lines carry no caller, thread or process: skip gathering them for each
    # record (the logging docs' "Optimization" switches).  With the caller's file and
    # line looked up (a walk up the stack), a service request's two lines cost ~40 us
    # each (issue 7).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    for name in ("redflag", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True
