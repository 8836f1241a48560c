"""The caption of every figure the notebooks save, by file name: shown under the figure in the notebook,
numbered and used as alt text in the appendix (:func:`specml_utils.report.save_figure`).

A caption says what is drawn and how to read it; the numbers stay in the tables and the text.
``{best}`` is filled in with the network notebook 04 chose.
"""

FIGURES = {
    "01_class_examples": (
        "One mock spectrum of each class (the thesis' Figure 4), with the lines of its class marked at its "
        "catalog redshift."
    ),
    "01_redshift_sn": (
        "Left: catalog redshift of each class in the mock. Right: median S/N per pixel of "
        "up to 300 spectra of each class (log scale)."
    ),
    "01_mock_vs_real": (
        "The clearest real visually inspected spectrum of each class (right) beside the mock spectrum of that "
        "class nearest to it in redshift (left)."
    ),
    "01_composites_mock_vs_real": (
        "Median rest-frame composites per class, each spectrum divided by its median: the mock (colour) and "
        "the real visually inspected spectra (black); the legend counts the spectra."
    ),
    "01_sn_colours_mock_vs_real": (
        "Median S/N per pixel (left) and u−g against g−r PSF colours (right) per class: the mock (colour) and "
        "the real visually inspected spectra (black)."
    ),
    "01_throughput_mock_vs_real": (
        "Left: median S/N per pixel against the r magnitude measured on the spectrum itself, for the mock, the "
        "visually inspected plate and the other real plates; at equal spectral flux the sources should overlap "
        "if the noise model is right. Right: how much fainter each spectrum is than its PSF photometry."
    ),
    "01_viewer_static": (
        "The viewer drawn as a static figure (a headless run): the first object of the default class; in "
        "JupyterLab a class menu and an object slider redraw it."
    ),
    "02_dropped_rows": "Catalog rows the thesis' cleaning drops, by reason.",
    "03_before_after": (
        "One training spectrum per class. Top: on its native pixels (thin) and rebinned onto the grid "
        "(thick). Bottom: after standardisation, what the networks are given."
    ),
    "03_split_balance": "Spectra of each class in the training, validation and test splits.",
    "04_training_curves": (
        "Loss and accuracy per epoch of each network: training (solid) and validation (dashed); the dot marks "
        "the epoch kept."
    ),
    "04_confusion_matrix": (
        "Confusion matrix of the chosen network ({best}) on the mock test split: counts (left) and the "
        "fraction of each true class (right)."
    ),
    "04_reliability": (
        "Fraction correct, with its 95 % Wilson interval, against the top-class probability, per model (the "
        "diagonal is perfect calibration); below, the test spectra in each bin."
    ),
    "04_scores_vs_sn": (
        "Recall of each class and overall accuracy (black) against the median S/N per pixel on the mock test "
        "split: the chosen network ({best}) and the Random Forest."
    ),
    "04_scores_vs_z": (
        "Recall of each class and overall accuracy (black) against the true (catalog) redshift on the mock "
        "test split: the chosen network ({best}) and the Random Forest."
    ),
    "04_misclassified": (
        "The test spectra {best} misclassified with most confidence (rebinned): lines of the true class at "
        "the true redshift (grey, dotted) and of the predicted class at the predicted one (red, dashed)."
    ),
    "04_confusion_real": (
        "Confusion matrix of {best} on the real spectra with visual-inspection labels: counts (left) and the "
        "fraction of each true class (right)."
    ),
    "05_training_curve": (
        "Training curves of the redshift CNN: training (solid) and validation (dashed) per epoch; the dot "
        "marks the epoch kept."
    ),
    "05_dz_vs_z_qso": (
        "|Δz| against the true (catalog) redshift of the test quasars, per model (the thesis' Figure 12); "
        "the dashed curve is |Δv| = 6000 km/s, the limit of a correct redshift."
    ),
    "05_zpred_vs_ztrue_qso": (
        "Predicted against true (catalog) redshift of the test quasars, per model (the thesis' Figure 13)."
    ),
    "05_zpred_vs_ztrue_galaxy": "Predicted against true (catalog) redshift of the test galaxies, per model.",
    "05_sigma_calibration": (
        "Cumulative fraction of |Δz|/σ_z on the test split (solid) beside a Gaussian's (dashed): at 1 and 2 "
        "both should read 68 % and 95 %."
    ),
    "06_purity_completeness_vs_threshold": (
        "QSO purity (solid) and completeness (dashed) on the mock test split against each model's decision "
        "threshold; ● marks the threshold it runs at, the dotted line QuasarNET's published purity."
    ),
}
