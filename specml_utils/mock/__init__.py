"""The mock BOSS survey: physically motivated spectra of stars, galaxies, quasars and BAL quasars,
with BOSS-like sky, noise and masks, written as a DR12Q-like catalog and spec-lite files."""
from .survey import MockConfig, generate_survey  # noqa: F401
