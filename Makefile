# SpecML — `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
NOTEBOOKS := notebooks/01_explore.ipynb notebooks/02_crossmatch.ipynb notebooks/03_preprocess.ipynb

.PHONY: help setup all notebooks test unit nbval bench clean-data

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(BIN)/specml: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(BIN)/specml

setup: $(BIN)/specml  ## create .venv and install the project with its pinned Keras backend

all: setup notebooks  ## the main job: set up, then run every notebook on the default mock survey

notebooks: setup  ## run the notebooks headless (papermill), outputs kept in notebooks/
	$(BIN)/specml notebooks -p interactive false

test: setup unit nbval  ## set up, then run the unit tests and nbval over the executed notebooks

unit: setup  ## pytest unit and integration tests
	$(BIN)/python -m pytest tests

nbval: setup  ## re-execute the committed notebooks and compare their checked outputs
	SPECML_FIGURES=$$(mktemp -d) $(BIN)/python -m pytest --nbval-lax -p no:cacheprovider $(NOTEBOOKS)

bench: setup  ## benchmarks: mock generation and preprocessing (spectra/s, peak memory)
	$(BIN)/python benchmarks/bench_data.py

clean-data:  ## delete generated data (mock surveys, datasets); downloads in data/sdss are kept
	rm -rf data/mock data/processed
