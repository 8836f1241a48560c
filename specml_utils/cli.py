"""The ``specml`` command: the steps people run outside the notebooks."""
from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path


def _cmd_mock(a) -> int:
    from .mock import MockConfig, generate_survey

    # what is not given is MockConfig's default, the notebooks'
    given = {k: v for k, v in (("n_spectra", a.n_spectra), ("class_mix", a.class_mix)) if v is not None}
    cfg = MockConfig(**given, seed=a.seed, workers=a.workers, physics=a.physics)
    summary = generate_survey(cfg, a.out, progress=not a.quiet, replace=a.replace)
    print(json.dumps({k: summary[k] for k in ("n_rows", "n_objects", "n_files", "class_counts", "seconds",
                                              "spectra_per_s")}, indent=1))
    return 0


def _cmd_download(a) -> int:
    from . import catalog, sas
    from .download import download_catalogs, download_spectra

    rep = download_catalogs(a.out, a.base_url, bal=not a.no_bal, progress=not a.quiet)
    print("catalogs:", json.dumps(rep.summary()))
    if rep.failed or rep.missing:
        return 1
    cat, _ = catalog.clean(catalog.read_superset(Path(a.out) / sas.SUPERSET_RELPATH))
    rep = download_spectra(cat, a.out, a.base_url, plates=a.plates, max_spectra=a.max_spectra,
                           workers=a.connections, progress=not a.quiet)
    print("spectra:", json.dumps(rep.summary(), indent=1))
    return 1 if rep.failed else 0


def _cmd_preprocess(a) -> int:
    from . import catalog, sources
    from .preprocess import PreprocessConfig, build_dataset

    cat = sources.load_catalog(a.data)
    clean, cleaning = catalog.clean(cat)
    matched, counts = catalog.crossmatch(clean, a.data)
    cfg = PreprocessConfig(nbins=a.nbins, dloglam=a.dloglam, weighted=not a.unweighted, seed=a.seed,
                           workers=a.workers)
    report = build_dataset(matched, a.out, cfg, source=str(a.data),
                           provenance={"cleaning": cleaning, "crossmatch": counts}, progress=not a.quiet,
                           scheduler=a.scheduler)
    print(json.dumps({"cleaning": cleaning, "crossmatch": counts, **report}, indent=1))
    return 0


def _cmd_notebooks(a) -> int:
    from . import notebooks

    names = [n for n in notebooks.available() if not a.only or any(n.startswith(o) for o in a.only)]
    if not names:
        raise ValueError(f"no notebook matches {' '.join(a.only)} (there are {', '.join(notebooks.available())})")
    params = {}
    for key, value in a.param or []:
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    declared = {name: notebooks.declared_parameters(name) for name in names}
    unused = set(params) - set().union(*declared.values()) if names else set()
    if unused:
        raise ValueError(f"no notebook declares parameter(s) {sorted(unused)}")
    total = 0.0
    for name in names:
        out = Path(a.out_dir) / f"{name}.ipynb" if a.out_dir else None
        # each parameter goes to the notebooks that declare it
        seconds = notebooks.run(name, {k: v for k, v in params.items() if k in declared[name]}, out)
        total += seconds
        print(f"{name}: {seconds:.1f} s", flush=True)
    print(f"all notebooks: {total:.1f} s")
    return 0


def _cmd_appendix(a) -> int:
    from . import appendix, notebooks
    from .paths import shown

    names = [n for n in notebooks.available() if not a.only or any(n.startswith(o) for o in a.only)]
    if not names:
        raise ValueError(f"no notebook matches {' '.join(a.only)} (there are {', '.join(notebooks.available())})")
    import time

    t0 = time.perf_counter()
    for kind, files in appendix.render(names, a.out_dir, pdf=not a.no_pdf).items():
        print(f"{kind}: " + ", ".join(f"{shown(f)} ({f.stat().st_size / 1e6:.1f} MB)" for f in files), flush=True)
    print(f"appendix built in {time.perf_counter() - t0:.0f} s")
    return 0


def _check_writable(out: Path, given) -> None:
    """Refuse an output that cannot be written, before any work: a real file is tried in its
    nearest existing folder (permission bits alone do not say it, e.g. for root or read-only mounts)."""
    import tempfile

    parent = next((p for p in out.parents if p.exists()), Path(out.anchor))
    if not parent.is_dir():
        raise NotADirectoryError(f"{given}: {parent} is a file, not a folder (checked before any work)")
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as e:
        raise PermissionError(f"{given}: cannot write in {parent}: {e.strerror} (checked before any work)") from None


def _cmd_predict(a) -> int:
    from . import predict
    from .bundle import DEFAULT_MODELS, Bundle

    files = predict.find_inputs(a.inputs)
    if not files:
        raise ValueError("no spectrum files found in the inputs given")
    out = Path(a.out).resolve()
    if out in {Path(f).resolve() for f in files}:
        raise ValueError(f"{a.out}: the output is one of the inputs; it would be overwritten — choose another --out")
    _check_writable(out, a.out)
    folder = a.model or DEFAULT_MODELS
    bundle = Bundle.load(folder, a.one_network)   # checks the bundle before any work is spread out
    cluster = a.workers or a.scheduler
    table, report = predict.predict_files(files, None if cluster else bundle, bundle_dir=folder,
                                          chunk_files=a.chunk_files, workers=a.workers, scheduler=a.scheduler,
                                          one_network=a.one_network)
    predict.write_table(table, report, a.out, bundle)
    shown = {k: v for k, v in report.items() if k != "failed_files"}
    shown["failed_files"] = report["failed_files"][:20]
    print(json.dumps({"out": str(a.out), "files": len(files), **shown}, indent=1))
    if len(table) == 0:
        print(f"specml predict: error: no spectrum could be predicted ({report['failed']} failed; see "
              f"{a.out}'s FAILED HDU)", file=sys.stderr)
        return 1
    return 0


def _parse_values(text: str) -> list:
    out = []
    for v in text.split(","):
        try:
            out.append(json.loads(v))
        except json.JSONDecodeError:
            out.append(v)
    return out


def _cmd_sweep(a) -> int:
    from .sweep import run_sweep

    grid = {name: _parse_values(values) for name, values in a.grid}
    fixed = {name: _parse_values(value)[0] for name, value in a.param or []}
    name = {"04": "04_cnn_classify", "05": "05_cnn_redshift"}.get(a.notebook, a.notebook)
    df = run_sweep(name, grid, a.out, fixed)
    print(df.to_string(index=False))
    return 1 if "error" in df and df["error"].notna().any() else 0


#: what ``--workers`` means for every command that takes it
WORKERS_HELP = "N single-threaded worker processes on this machine"


def _cluster_args(parser, default: str) -> None:
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, default=None, help=f"{WORKERS_HELP} (default: {default})")
    g.add_argument("--scheduler", default=None, help="run on an existing Dask cluster (its scheduler address) instead")


def main(argv=None) -> int:
    from . import sas

    p = argparse.ArgumentParser(prog="specml", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mock", help="generate a mock BOSS survey (catalog + spec-lite files, SAS layout)")
    m.add_argument("--n-spectra", type=int, default=None, help="catalog rows (default: the notebooks' 44,000)")
    m.add_argument("--seed", type=int, default=12345)
    m.add_argument("--class-mix", default=None, choices=["galaxy_rich", "balanced", "dr12"],
                   help="class mix (default: MockConfig's, the notebooks' galaxy_rich)")
    m.add_argument("--physics", default="auto", choices=["auto", "analytic", "templates", "mixed"],
                   help="spectra from analytic physics, the BOSS templates, or both (auto: mixed when the "
                        "templates are found)")
    m.add_argument("--out", required=True, type=Path)
    m.add_argument("--workers", type=int, default=None, help=f"{WORKERS_HELP} (default: one per core)")
    m.add_argument("--replace", action="store_true",
                   help="replace a different mock survey already in --out (else it is refused)")
    m.add_argument("--quiet", action="store_true")
    m.set_defaults(func=_cmd_mock)
    d = sub.add_parser("download", help="download DR12Q catalogs and spec-lite spectra from the SAS")
    d.add_argument("--out", required=True, type=Path)
    g = d.add_mutually_exclusive_group()
    g.add_argument("--plates", type=int, nargs="+", help="only these plates")
    g.add_argument("--max-spectra", type=int, help="only the first N rows of the cleaned catalog")
    d.add_argument("--base-url", default=sas.SAS_URL)
    d.add_argument("--connections", type=int, default=8, help="parallel HTTP connections (threads)")
    d.add_argument("--no-bal", action="store_true", help="skip the 545 MB quasar catalog with the BAL columns")
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=_cmd_download)
    r = sub.add_parser("preprocess", help="clean, crossmatch, rebin, standardise and split into one HDF5 file")
    r.add_argument("--data", required=True, type=Path, help="a data home (mock or downloaded)")
    r.add_argument("--out", required=True, type=Path)
    r.add_argument("--nbins", type=int, default=443)
    r.add_argument("--dloglam", type=float, default=1e-3)
    r.add_argument("--unweighted", action="store_true", help="plain (thesis) instead of ivar-weighted standardisation")
    r.add_argument("--seed", type=int, default=0)
    _cluster_args(r, "one per core")
    r.add_argument("--quiet", action="store_true")
    r.set_defaults(func=_cmd_preprocess)
    nb = sub.add_parser("notebooks", help="run the numbered notebooks headless (papermill), outputs kept")
    nb.add_argument("--only", nargs="+", help="notebook number prefixes, e.g. 01 03")
    nb.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                    help="a parameter for every notebook run (JSON value or string)")
    nb.add_argument("--out-dir", help="write executed notebooks here instead of in place")
    nb.set_defaults(func=_cmd_notebooks)
    ap = sub.add_parser("appendix", help="render the executed notebooks as HTML and PDF (thesis appendices)")
    ap.add_argument("--only", nargs="+", help="notebook number prefixes, e.g. 04 05")
    ap.add_argument("--out-dir", type=Path, help="where the pages go (default: appendix/)")
    ap.add_argument("--no-pdf", action="store_true", help="HTML only (no Chromium needed)")
    ap.set_defaults(func=_cmd_appendix)
    pr = sub.add_parser("predict", help="classify spectrum files and measure their redshifts into a FITS table")
    pr.add_argument("inputs", nargs="+", help="spec-lite, spPlate or DESI coadd files, or folders of them")
    pr.add_argument("--out", required=True, type=Path, help="the output FITS table")
    pr.add_argument("--model", type=Path, default=None,
                    help="a model bundle folder (default: data/models, written by notebooks 04 and 05)")
    pr.add_argument("--chunk-files", type=int, default=256, help="files per task (memory per worker stays flat)")
    pr.add_argument("--one-network", action="store_true",
                    help="where the saved classifier is the mean of several trainings, use the first alone "
                         "(about 1.5x faster on CPUs, a little less accurate)")
    _cluster_args(pr, "this process, whose networks use every core")
    pr.set_defaults(func=_cmd_predict)
    sw = sub.add_parser("sweep", help="run notebook 04 or 05 over a hyperparameter grid (papermill)")
    sw.add_argument("notebook", help="04, 05 or a full notebook name")
    sw.add_argument("-g", "--grid", nargs=2, action="append", required=True, metavar=("NAME", "V1,V2,..."),
                    help="a swept parameter and its comma-separated values")
    sw.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                    help="a parameter fixed for every point")
    sw.add_argument("--out", type=Path, default=Path("runs/sweep"),
                    help="folder for the executed notebooks and summary")
    sw.set_defaults(func=_cmd_sweep)
    a = p.parse_args(argv)
    # SIGTERM (a scheduler's time limit, `timeout`) unwinds like Ctrl-C, so temporary files are removed
    from . import execution

    execution.clear_stop()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return a.func(a)
    except (OSError, ValueError) as err:
        print(f"specml {a.cmd}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"specml {a.cmd}: interrupted; finished outputs are kept, partial ones removed", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate(signum, frame):
    # also remembered, so that a long loop stops at its next task even if this exception is
    # swallowed where it lands (an exception raised inside a finaliser is only printed)
    from . import execution

    execution.request_stop()
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
