"""Download DR12 catalogs and spectra from the SDSS Science Archive Server (SAS).

Each file is fetched to ``NAME.part`` and renamed when complete, of the announced size and (FITS
files) whole by their own headers, so
an interrupted run leaves no half file under the final name and the next run resumes the
``.part`` with an HTTP Range request. Files already present are never fetched again. A missing
file (404) is counted and reported; the rest of the batch goes on.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import requests
from tqdm.auto import tqdm

from . import sas
from .fitsbytes import structure_problem


class DownloadError(OSError):
    """A file could not be downloaded; the message names the URL and the problem."""


class NotFound(DownloadError):
    """The server has no such file (HTTP 404)."""


class _Retry(Exception):
    pass


@dataclass
class DownloadReport:
    """What a batch did: files fetched, found in the cache, missing on the server, failed."""

    downloaded: list = field(default_factory=list)
    cached: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    bytes: int = 0

    def summary(self) -> dict:
        return {"downloaded": len(self.downloaded), "cached": len(self.cached), "missing (404)": len(self.missing),
                "failed": len(self.failed), "bytes": self.bytes,
                "missing_examples": self.missing[:5], "failed_examples": self.failed[:5]}


def _total_size(resp: requests.Response, have: int) -> int | None:
    cr = resp.headers.get("Content-Range")
    if cr and "/" in cr and not cr.endswith("/*"):
        return int(cr.rsplit("/", 1)[1])
    cl = resp.headers.get("Content-Length")
    return int(cl) + (have if resp.status_code == 206 else 0) if cl is not None else None


def fetch(url: str, dest, session: requests.Session | None = None, retries: int = 5, backoff: float = 0.5,
          timeout: float = 60.0, chunk: int = 1 << 16) -> int:
    """Download ``url`` to ``dest``, resuming a previous partial download; return bytes fetched.

    Retries connection errors, timeouts, short reads and HTTP 5xx with exponential backoff.

    Raises
    ------
    NotFound
        HTTP 404.
    DownloadError
        Any other failure after ``retries`` attempts.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    session = session or requests.Session()
    fetched = 0
    last = "no attempt"
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with session.get(url, headers=headers, stream=True, timeout=timeout) as r:
                if r.status_code == 404:
                    raise NotFound(f"{url}: not found on the server (HTTP 404)")
                if r.status_code == 416:  # our partial file is already whole, or longer than the file
                    part.unlink(missing_ok=True)
                    raise _Retry("HTTP 416 on resume; restarting")
                if r.status_code >= 500:
                    raise _Retry(f"HTTP {r.status_code}")
                if r.status_code not in (200, 206):
                    raise DownloadError(f"{url}: HTTP {r.status_code}")
                if r.status_code == 200:
                    have = 0  # the server ignored the Range header: start over
                total = _total_size(r, have)
                with open(part, "ab" if have else "wb") as fh:
                    for block in r.iter_content(chunk):
                        fh.write(block)
                        fetched += len(block)
            size = part.stat().st_size
            if total is not None and size != total:
                raise _Retry(f"short read: {size} of {total} bytes")
            if dest.suffix.lower() in (".fits", ".fit"):
                problem = structure_problem(part)
                if problem:  # the server sent a damaged file with matching headers: fetch it anew
                    part.unlink()
                    raise _Retry(f"not a whole FITS file: {problem}")
            os.replace(part, dest)
            return fetched
        except NotFound:
            raise
        except (_Retry, requests.ConnectionError, requests.Timeout,
                requests.exceptions.ChunkedEncodingError) as err:
            last = str(err) or type(err).__name__
    raise DownloadError(f"{url}: gave up after {retries + 1} attempts ({last})")


def download_files(relpaths, out, base_url: str = sas.SAS_URL, workers: int = 8, progress: bool = True,
                   **fetch_kw) -> DownloadReport:
    """Fetch SAS-relative paths into ``out`` (same layout), ``workers`` at a time."""
    out = Path(out)
    base = base_url.rstrip("/") + "/"
    report = DownloadReport()
    todo = []
    for rel in relpaths:
        if (out / rel).exists():
            report.cached.append(rel)  # the local cache: never fetched twice
        else:
            todo.append(rel)
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=workers, pool_maxsize=workers)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    with ThreadPoolExecutor(max_workers=workers) as pool, \
            tqdm(total=len(todo), desc="download", unit="file", disable=not progress) as bar:
        futures = {pool.submit(fetch, base + rel, out / rel, session, **fetch_kw): rel for rel in todo}
        for f in as_completed(futures):
            rel = futures[f]
            try:
                report.bytes += f.result()
                report.downloaded.append(rel)
            except NotFound:
                report.missing.append(rel)
            except DownloadError as err:
                report.failed.append(f"{rel}: {err}")
            bar.update(1)
    return report


def download_catalogs(out, base_url: str = sas.SAS_URL, bal: bool = True, **kw) -> DownloadReport:
    """Fetch the DR12Q superset (about 330 MB) and, with ``bal``, the quasar catalog (about 545 MB)."""
    rel = [sas.SUPERSET_RELPATH] + ([sas.DR12Q_RELPATH] if bal else [])
    return download_files(rel, out, base_url, workers=2, **kw)


def download_spectra(catalog, out, base_url: str = sas.SAS_URL, plates=None, max_spectra: int | None = None,
                     run2d: str = sas.RUN2D, **kw) -> DownloadReport:
    """Fetch the spec-lite files of catalog rows (optionally only some plates, or the first N rows)."""
    import numpy as np

    rows = catalog
    if plates:
        rows = rows[np.isin(np.asarray(rows["PLATE"]), list(plates))]
    if max_spectra is not None:
        rows = rows[:max_spectra]
    rel = [sas.spectrum_relpath(p, m, f, run2d) for p, m, f in zip(rows["PLATE"], rows["MJD"], rows["FIBERID"])]
    return download_files(rel, out, base_url, **kw)
