#!/usr/bin/env bash
# One arm of a change to the mock, tried as the mock trials are: a clone of this commit with the arm switched on,
# its `make all`, then the committed bundle (data/models) and the arm's scored on the same checks.
#
#     bash scripts/mock_arm_trial.sh NAME WORKDIR SED_EXPR FILE CHECK RRTEMPLATE_GALAXY SECOND_MOCK.h5 \
#         RRARCHETYPE_DIR DRAW_SEED RECORD
#
# SED_EXPR is applied to FILE in the clone and CHECK (a regular expression) must then match a line of it. The
# checks: DESI's galaxies (archetype_galaxies.py, 4 draws each, DRAW_SEED), every spectrum of SECOND_MOCK
# (bundles_on_split.py --all-splits), Redrock's quasar and stellar archetypes (DRAW_SEED), the mock's own passive
# galaxies spread over 0.02–1 (galaxy_reach.py), the real spectra; each appended to RECORD. A trial's rule lives in
# the script that calls this one. About 20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 work=$2 expr=$3 file=$4 check=$5 galaxies=$6 second=$7 rr=$8 seed=$9 record=${10}
python=${PYTHON:-.venv/bin/python}
# the clone lies elsewhere: it reads the templates and real spectra from this repository's shared folder
export SPECML_SHARED=${SPECML_SHARED:-$(cd .. && pwd)/shared}
rm -rf "$work/repo"
git clone -q . "$work/repo"
sed -i "$expr" "$work/repo/$file"
grep -qE "$check" "$work/repo/$file"
start=$(date +%s)
(cd "$work/repo" && make setup >/dev/null && make all) > "$work/make_all.log" 2>&1
echo "$name: the arm's make all took $(( $(date +%s) - start )) s"
for bundle in data/models "$work/repo/data/models"; do
  "$python" scripts/archetype_galaxies.py --templates "$galaxies" --models "$bundle" --draws 4 --seed "$seed" \
    --record "$record"
done
"$python" scripts/bundles_on_split.py --dataset "$second" --bundles data/models "$work/repo/data/models" --all-splits \
  --record "$record"
for bundle in data/models "$work/repo/data/models"; do
  "$python" scripts/archetype_quasars.py --archetypes "$rr/rrarchetype-qso.fits" --models "$bundle" --draws 20 \
    --seed "$seed" --record "$record"
done
"$python" scripts/template_stars.py --models data/models "$work/repo/data/models" --draws 20 \
  --archetypes "$rr/rrarchetype-star.fits" --record "$record"
"$python" scripts/galaxy_reach.py --spread passive --n 4000 --models data/models "$work/repo/data/models" \
  --record "$record"
"$python" scripts/real_spectra_scores.py --trial "$name, real spectra (read after)" --record "$record" data/models \
  "$work/repo/data/models"
