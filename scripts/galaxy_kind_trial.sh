#!/usr/bin/env bash
# Trial: the template half's galaxies follow the survey plan's kind (templates.GALAXY_FOLLOW_KIND).
#
# The plan draws each galaxy PASSIVE or SF and its redshift by that kind (SF: a log-normal about z = 0.15 and
# [OII] emitters to z = 1.6; PASSIVE: half nearby, half CMASS-like), but the template half's eigen galaxies are
# drawn blue or red whatever the row's kind (70 % blue), so a red, passive spectrum can sit at an [OII] emitter's
# z = 1.4 and KIND does not describe the spectrum (galaxy_reach.py --spread passive scores partly blue galaxies).
# The arm: PASSIVE rows from the measured red galaxies, SF rows along the blue direction (with the star-forming UV).
# The share of blue galaxies barely moves (75 % against 70 %); where they sit does.
#
# The rule, set before the run — a correction of the mock, adopted unless it costs more than the noise: the arm's
# bundle (its `make all`) replaces the committed one only if
#   1. of DESI's galaxies it calls at most 30 fewer galaxies than the committed bundle does (archetype_galaxies.py,
#      4 draws of each of the 750, draw seed 2028, not used before; 30 is 1 % of the draws, under half the spread of
#      the committed bundle's networks alone, 2,638–2,712), and
#   2. on every spectrum of the second mock (seed 20261128, trained on by neither) QSO purity and completeness stay at
#      99.5 % or more, neither count falls by more than 10, and no class F1 by more than 0.003.
# Read after, as checks: Redrock's quasar and stellar archetypes, the passive spread, the real spectra, the arm's
# own mock test split.
#
#     bash scripts/galaxy_kind_trial.sh WORKDIR RRTEMPLATE_GALAXY SECOND_MOCK.h5 RRARCHETYPE_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/mock_arm_trial.sh "galaxy kind" "$1" 's/^GALAXY_FOLLOW_KIND = False$/GALAXY_FOLLOW_KIND = True/' \
  specml_utils/mock/templates.py '^GALAXY_FOLLOW_KIND = True$' "$2" "$3" "$4" 2028 benchmarks/galaxy_kind_trial.jsonl
