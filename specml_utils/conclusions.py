"""Each chapter's closing *Discussion and conclusions*, written from the metrics it just recorded.

Every function takes the dict a notebook wrote with :func:`specml_utils.report.write_metrics`
and returns Markdown; the numbers are those of the run on the page, proportions with 95 % Wilson
intervals, so the text can never disagree with the tables above it.
"""
from __future__ import annotations

from .classes import CLASS_NAMES
from .metrics import DV_CATASTROPHIC, share


def _epochs(name: str, run: int, best: int, limit: int, patience: int | None, schedule: str | None = None) -> str:
    """Whether a training ended at convergence (early stopping), at the end of its annealed
    learning-rate schedule (``"cosine"``) or at the epoch limit (a schedule that does not anneal)."""
    if run < limit:
        return (f"{name} stopped early after {run} of at most {limit} epochs (its best validation loss at epoch "
                f"{best}, none better in the {patience} after): it converged.")
    if schedule == "cosine":
        from .training import cosine_rate

        last = 100 * cosine_rate(limit - 1, limit, 1.0)
        kept = ("The steps had become small, so the weights kept do not hang on one noisy step"
                if best == limit else f"The weights kept are epoch {best}'s, taken while the steps were still large")
        return (f"{name} ran its whole {limit}-epoch cosine schedule, the learning rate annealed to {last:.1f} % of "
                f"its start, its best validation loss at epoch {best}. {kept}; a longer schedule may still improve "
                "the score — a change this chapter does not measure.")
    return (f"{name} ran all {limit} epochs, its best validation loss at epoch {best}: it stopped at the epoch "
            "limit, not at convergence, so more epochs may still change its score — a change this chapter does "
            "not measure.")


def _p(s: dict, digits: int = 1) -> str:
    """``94.2 % [86.0, 97.7] (65/69)`` from a :func:`specml_utils.metrics.share` dict."""
    if not s.get("n"):
        return "— (none)"
    return (f"{100 * s['value']:.{digits}f} % [{100 * s['lo95']:.{digits}f}, {100 * s['hi95']:.{digits}f}] "
            f"({s['k']:,}/{s['n']:,})")


def _f(value, spec: str) -> str:
    """``value`` formatted with ``spec``; "—" where the metric could not be measured (null in the JSON:
    a sample with no spectrum left to measure it on)."""
    return "—" if value is None else format(value, spec)


def explore(m: dict) -> str:
    counts = m["class_counts"]
    mvr = m.get("mock_vs_real", {})
    text = [f"The {m['source']} survey holds {m['n_rows']:,} spectra: "
            + ", ".join(f"{counts[c]:,} {c}" for c in CLASS_NAMES) + f" and {counts.get('not inspected', 0):,} never "
            "inspected. Median redshifts: " + ", ".join(f"{c} {m['redshift'][c]['median']:.2f}" for c in CLASS_NAMES)
            + "; median S/N per pixel: " + ", ".join(f"{c} {m['sn_median'][c]:.1f}" for c in CLASS_NAMES) + "."]
    if mvr:
        pairs = [c for c in CLASS_NAMES if f"{c} real" in mvr and f"{c} mock" in mvr]
        text.append("Beside the real, visually inspected quasar targets, the mock's median S/N per pixel is "
                    + ", ".join(f"{c} {mvr[c + ' mock']['S/N median']:.1f} against {mvr[c + ' real']['S/N median']:.1f} "
                                f"({mvr[c + ' real']['spectra']} real)" for c in pairs)
                    + ". The real spectra are fainter: a model trained here meets noisier spectra on the sky, which "
                    "is why notebook 04 re-observes its training spectra with extra noise and scores itself on the "
                    "real ones. With 4 real galaxies and 4 real BAL quasars, those two comparisons are indicative only.")
    if m.get("throughput"):
        text.append(_throughput(m["throughput"]))
    text.append("**Next:** notebook 02 takes this catalogue, keeps the rows an inspector labelled with confidence "
                "and finds each one's spectrum file.")
    return "\n\n".join(text)


def _throughput(t: dict) -> str:
    """The S/N at equal spectral flux and the spectra's offsets from their photometry, per source."""
    key, n_key = "S/N at r_spec 21–22", "n at r_spec 21–22"
    text = ("Measured on the spectra themselves, at equal flux (r of the spectrum 21–22) the median S/N per pixel is "
            + ", ".join(f"{src} {row[key]:.2f} ({row[n_key]}{' spectra' if k == 0 else ''})"
                        for k, (src, row) in enumerate((s, r) for s, r in t.items() if r.get(key) is not None))
            + "; the median offset of a spectrum from its PSF photometry (r_spec − r_PSF) is "
            + ", ".join(f"{src} {_f(row['r_spec − r_PSF (median)'], '+.2f')} mag" for src, row in t.items()) + ".")
    mock, vi = t.get("mock"), next((r for src, r in t.items() if src.startswith("VI")), None)
    if mock and vi and mock.get(key) and vi.get(key) and None not in (mock["r_spec − r_PSF (median)"],
                                                                      vi["r_spec − r_PSF (median)"]):
        same = abs(mock[key] / vi[key] - 1) < 0.2
        fainter = vi["r_spec − r_PSF (median)"] - mock["r_spec − r_PSF (median)"]
        if same and fainter > 0.2:
            text += (" So the gap in S/N is not the noise model, which gives the inspected plate's S/N at its flux: "
                     f"that plate's spectra caught {fainter:.2f} mag less of their objects' light than the mock's, "
                     "so a model meets fainter spectra there than in the mock's test split at the same photometry.")
        elif not same:
            text += (f" At equal flux the mock's S/N is {mock[key] / vi[key]:.2f} times the inspected plate's: "
                     "the noise model does not reproduce that plate.")
    return text


def crossmatch(m: dict) -> str:
    c, x = m["cleaning"], m["crossmatch"]
    dropped = c["rows_in"] - c["rows_out"]
    text = [f"Of {c['rows_in']:,} superset rows, cleaning kept {c['rows_out']:,} and dropped {dropped:,}, each for a "
            "counted reason (the table above); no row is lost silently. The crossmatch found a spectrum for "
            f"{x['matched']:,} rows; {x['rows_without_spectrum']:,} rows have no file and {x['spectra_without_row']:,} "
            "files no usable row, as in a real download where files are missing and catalogue rows are rejected."]
    if m.get("real_superset_cleaning"):
        r = m["real_superset_cleaning"]
        text.append(f"The real superset excerpt passes the same cleaning: {r['rows_out']} of {r['rows_in']} rows kept.")
    text.append(f"**Next:** notebook 03 takes the {x['matched']:,} matched rows and puts their spectra on one "
                "wavelength grid.")
    return "\n\n".join(text)


def preprocess(m: dict) -> str:
    b = m["class_balance"]
    n = {s: sum(v.values()) for s, v in b.items()}
    skipped = sum(m["skipped"].values())
    return (f"{m['spectra_out']:,} of {m['spectra_in']:,} spectra reached the {m['grid']['nbins']}-bin grid "
            f"({skipped:,} skipped, each with its reason), at {m['spectra_per_s']:,.0f} spectra/s on this machine. "
            f"The split is {n['train']:,} / {n['val']:,} / {n['test']:,} (train / validation / test), stratified by "
            "class and grouped by object, so that repeat observations of one object never sit on both sides.\n\n"
            f"**Next:** notebooks 04 and 05 fit their networks on the {n['train']:,} training spectra, choose on the "
            f"{n['val']:,} validation spectra, and report on the {n['test']:,} test spectra, which no choice has seen.")


def classify(m: dict) -> str:
    best = m["chosen"]
    t = m["per_model"][best]["table"]
    macro = t["all (macro)"]
    n_test = int(macro["support"])
    n_members = len([k for k in m.get("ensemble_members", {}) if k != "mean"])
    chosen = f"{best} (the mean of {n_members} trainings)" if n_members > 1 else best
    text = [f"**On the mock test split** ({n_test:,} spectra) the chosen network, {chosen}, reaches macro F1 "
            f"{m['macro_f1']:.3f}; per class " + ", ".join(f"{c} {m['f1'][c]:.3f}" for c in CLASS_NAMES)
            + ". Quasars and BAL quasars are the classes it confuses most: a shallow trough is hard to tell from "
            "absorption in the forest, and the mock draws both classes from the same quasar model."]
    if n_members > 1:
        ems = m["ensemble_members"]
        alone = [v for k, v in ems.items() if k != "mean"]
        span = lambda key: f"{min(v[key] for v in alone):.4f}–{max(v[key] for v in alone):.4f}"  # noqa: E731
        text.append(f"The mean of its {n_members} trainings scores validation macro F1 "
                    f"{ems['mean']['val macro F1']:.4f} "
                    f"against {span('val macro F1')} for the trainings alone, and test macro F1 "
                    f"{ems['mean']['test macro F1']:.4f} against {span('test macro F1')}.")
    by_bi = list(m.get("bal_recall_by_bi", {}).items())
    if len(by_bi) > 1 and by_bi[0][1]["BAL quasars"]:
        (weak_bin, weak), rest = by_bi[0], [r for _, r in by_bi[1:]]
        strong = share(sum(r["found"] for r in rest), sum(r["BAL quasars"] for r in rest))
        weak = share(weak["found"], weak["BAL quasars"])
        if weak["hi95"] < strong["lo95"]:
            text.append(f"Its BAL misses lean to weak troughs: it finds {_p(weak)} of the BAL quasars with BI_CIV "
                        f"{weak_bin} km/s and {_p(strong)} of the rest — a shallow trough a few hundred km/s wide is "
                        "lost in the noise at the S/N of most quasar targets.")
        else:
            text.append(f"Its BAL recall does not clearly depend on the troughs' strength: {_p(weak)} with BI_CIV "
                        f"{weak_bin} km/s, {_p(strong)} above.")
    real = m.get("real", {}).get("VI")
    if real:
        rec = real["recall"]
        text.append(f"**On the sky** — {real['n']} real BOSS quasar targets labelled by visual inspection, never "
                    f"trained on — the 4-class accuracy is {_p(real['accuracy'])}; stars {_p(rec['STAR'])}, "
                    f"galaxies {_p(rec['GALAXY'])}, quasars {_p(rec['QSO'])}, BAL quasars {_p(rec['QSO_BAL'])}.")
        seeds = m.get("real_seed_accuracy", {})
        if len(seeds) > 1:
            vals = sorted(v["value"] for v in seeds.values())
            if vals[0] == vals[-1]:
                text.append(f"All {len(vals)} training seeds give the same accuracy on these spectra "
                            f"({100 * vals[0]:.1f} %): here the seed adds nothing to the Wilson interval.")
            else:
                text.append(f"Over {len(vals)} training seeds the accuracy on these spectra ranges "
                            f"{100 * vals[0]:.1f}–{100 * vals[-1]:.1f} %: the spread to attach to one run, beside "
                            "its Wilson interval.")
        mock_seeds = m.get("mock_seed_f1", {})
        if len(mock_seeds) > 1:
            q = sorted(v["QSO"] for v in mock_seeds.values())
            b = sorted(v["QSO_BAL"] for v in mock_seeds.values())
            text.append(f"On the mock test split the same seeds give QSO F1 {q[0]:.3f}–{q[-1]:.3f} and BAL QSO F1 "
                        f"{b[0]:.3f}–{b[-1]:.3f}.")
        text.append("The mock measures what the network learned from the mock; the real spectra, what it will do in "
                    "a survey — and with this few of them, the intervals are wide. The galaxy and BAL figures rest "
                    f"on {rec['GALAXY']['n']} and {rec['QSO_BAL']['n']} spectra and say little on their own.")
    else:
        text.append("No real spectra were found (`../shared` absent), so only the mock score is shown; it says how "
                    "well the network learned the mock, not how it does on the sky.")
    s, limit = m["per_model"][best]["summary"], m.get("parameters", {}).get("epochs")
    if limit and "epochs run" in s:
        text.append(_epochs(f"The chosen network, {best},", int(s["epochs run"]), int(s["best epoch"]), int(limit),
                            m["parameters"].get("patience"), m["parameters"].get("lr_schedule")))
    text.append(f"**Next:** notebook 05 takes {best}'s classes, which set each spectrum's redshift range and decide "
                "which spectra count as quasars; notebook 06 sets it beside QuasarNET on the same test split.")
    return "\n\n".join(text)


def redshift(m: dict) -> str:
    q = m["qso"]
    cat = share(q["n_catastrophic"], q["n"])
    ci = q.get("sigma_nmad_95")
    nmad = f"σ_NMAD {_f(q['sigma_nmad'], '.5f')}" + (f" [{ci[0]:.5f}, {ci[1]:.5f}] (95 % bootstrap)" if ci else "")
    pct = {k: None if q.get(k) is None else 100 * q[k] for k in ("within_1sigma", "within_2sigma")}
    text = [f"**Quasar redshifts on the mock test split** ({q['n']:,} confident quasars): {nmad}, "
            f"median |Δv| {_f(q['median_abs_dv_kms'], '.0f')} km/s, σ(Δv) {_f(q['sigma_dv_kms'], '.0f')} km/s without "
            f"catastrophes, catastrophic (|Δv| > {DV_CATASTROPHIC:.0f} km/s) {_p(cat, 2)}. The per-spectrum σ_z puts "
            f"{_f(pct['within_1sigma'], '.1f')} % of quasars within 1σ and {_f(pct['within_2sigma'], '.1f')} % within 2σ "
            "(68.3 % and 95.4 % if calibrated and Gaussian): the tails are wider than a Gaussian's, as catastrophic "
            "line confusions make them."]
    pc = m.get("purity_completeness") or {}
    if pc.get("purity_n"):
        text.append(f"With notebook 04's classifier, on the whole test split: QSO purity "
                    f"{_p(share(pc['purity_k'], pc['purity_n']), 2)}, completeness "
                    f"{_p(share(pc['completeness_k'], pc['completeness_n']), 2)}.")
    real = m.get("real", {}).get("VI")
    if real and "completeness" in real:
        text.append(f"On the {real['n']} real, visually inspected spectra, `specml predict` finds quasars with "
                    f"purity {_p(real['purity'])} and completeness {_p(real['completeness'])} (a quasar counts when "
                    f"called QSO or BAL QSO with |Δv| < {DV_CATASTROPHIC:.0f} km/s).")
    tr, limit = m.get("training") or {}, m.get("parameters", {}).get("epochs")
    if limit and "epochs_run" in tr:
        text.append(_epochs("The redshift CNN", int(tr["epochs_run"]), int(tr["best_epoch"]), int(limit),
                            m["parameters"].get("patience"), m["parameters"].get("lr_schedule")))
    text.append("**Next:** notebook 06 sets these redshifts and notebook 04's classes beside QuasarNET, retrained "
                "on the same spectra, and beside QuasarNET's published figures.")
    return "\n\n".join(text)
