# SpecML — `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
NOTEBOOKS := notebooks/01_explore.ipynb notebooks/02_crossmatch.ipynb notebooks/03_preprocess.ipynb
# 04–06 train networks: nbval checks them on a quick run with small parameters
SMALL := -p epochs 2 -p max_train 1500 -p rf_trees 10
# the default hyperparameter grids of `make sweep` (NAME V1,V2 pairs for `specml sweep -g`)
SWEEP04 := -g learning_rate 0.001,0.0003 -g filters 32,64 -g depth 3,4 -p architectures specnet -p epochs 15
SWEEP05 := -g learning_rate 0.001,0.0003 -g filters 32,64 -g batch_size 120,240 -p epochs 15

.PHONY: help setup setup-gpu all notebooks appendix test unit nbval nbval-small sweep bench clean-data

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(BIN)/specml: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(BIN)/specml

setup: $(BIN)/specml  ## create .venv and install the project with its pinned Keras backend

setup-gpu: setup  ## add jax with CUDA 12 to .venv; then run with KERAS_BACKEND=jax (e.g. KERAS_BACKEND=jax make notebooks)
	$(BIN)/pip install --quiet -e '.[test,gpu]'

all: setup notebooks  ## the main job: set up, then run every notebook on the default mock survey

notebooks: setup  ## run the notebooks headless (papermill), outputs kept in notebooks/
	$(BIN)/specml notebooks

appendix: setup  ## the executed notebooks as HTML pages and one PDF in appendix/ (PDF: Chromium)
	$(BIN)/specml appendix

test: setup unit nbval nbval-small  ## set up, then run the unit tests and nbval over the notebooks

unit: setup  ## pytest unit and integration tests
	$(BIN)/python -m pytest tests

nbval: setup  ## re-execute the committed notebooks 01–03 and compare their checked outputs
	SPECML_HEADLESS=1 SPECML_FIGURES=$$(mktemp -d) $(BIN)/python -m pytest --nbval-lax -p no:cacheprovider $(NOTEBOOKS)

nbval-small: setup  ## run 04–06 with small parameters (papermill), then nbval over those runs
	@tmp=$$(mktemp -d) && export SPECML_FIGURES=$$tmp/figures && \
	$(BIN)/specml notebooks --only 04 05 06 --out-dir $$tmp $(SMALL) -p models_dir $$tmp/models && \
	$(BIN)/python -m pytest --nbval-lax -p no:cacheprovider $$tmp/0[456]_*.ipynb

sweep: setup  ## hyperparameter sweeps of 04 and 05 into runs/ (summary.csv and summary.png each)
	$(BIN)/specml sweep 04 $(SWEEP04) --out runs/sweep04
	$(BIN)/specml sweep 05 $(SWEEP05) --out runs/sweep05

bench: setup  ## all benchmarks into benchmarks/results.json (about 30 minutes; needs `make all` first for predict)
	$(BIN)/python benchmarks/bench_data.py
	$(BIN)/python benchmarks/bench_models.py --main-job
	$(BIN)/python benchmarks/bench_predict.py

clean-data:  ## delete generated data (mock surveys, datasets); downloads in data/sdss are kept
	rm -rf data/mock data/processed
