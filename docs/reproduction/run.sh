#!/bin/sh
# Reruns every experiment of docs/reproduction.md and writes its CSVs and plots here,
# one folder per protocol (and per phase or data set where a protocol runs several).
#
#   docs/reproduction/run.sh                       # every reduced-scale experiment (about three
#                                                  # hours of one loaded core: timings.csv)
#   docs/reproduction/run.sh ttsp ageing           # only the named experiments
#   docs/reproduction/run.sh seed2                 # the regularised phase again from seed 2
#   docs/reproduction/run.sh conv                  # the convergence table's variants (conv/<what>/*;
#                                                  # named only, like paper/*)
#   docs/reproduction/run.sh paper/regularised     # a paper-scale experiment (hours: named only)
#   docs/reproduction/run.sh paper/mapping         # the step mapping at P = 60000 (about 1
#                                                  # core-hour; named only)
#   docs/reproduction/run.sh --fresh ttsp          # start over instead of resuming
#   docs/reproduction/run.sh --list                # the experiment names
#
# An experiment whose folder holds COMPLETE is skipped; one without it is resumed from its
# checkpoints (the protocols' own --out resume: the same command continues where a killed
# run stopped, with byte-identical results). --fresh (or FRESH=1) deletes the named
# experiments' folders first. The paper/* experiments (hours each: docs/reproduction.md,
# "Compute") and the conv/* ones (docs/reproduction.md, "Convergence") run only when named
# ("paper" and "conv" name them all).
#
# Environment: GLASSVM (the binary; default build/glassvm, then glassvm on PATH),
# PROTOCOLS (default: the repository's protocols/), OUT (default: this folder),
# THREADS (default 1; results do not depend on it), NICE (default 10).
# Every result is determined by the parameters, the seed (1; 2 for seed2/* and conv/*) and the
# BLAS kernel OpenBLAS uses (run.json, "blas"; the committed runs used its AVX2 kernels, which
# OPENBLAS_CORETYPE=Haswell selects on any x86-64 CPU with AVX2 and FMA), not by THREADS: with
# the same kernel a rerun reproduces the CSVs exactly (docs/reproduction.md). Each run's wall time and the load average at its start
# and end are appended to $OUT/timings.csv.
set -eu
# The body is one compound command: sh reads it whole before running it, so editing this
# file while it runs cannot change what the running copy does.
{

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -z "${GLASSVM:-}" ]; then
    if [ -x "$root/build/glassvm" ]; then GLASSVM=$root/build/glassvm; else GLASSVM=glassvm; fi
fi
PROTOCOLS=${PROTOCOLS:-$root/protocols}
OUT=${OUT:-$here}
THREADS=${THREADS:-1}
NICE=${NICE:-10}

# The temperature grids. Reduced scale: P = 5000 rows and lr = 1e-2 (see
# docs/protocols.md), t_w = 2000 steps (the paper's mu*t_w = 20 at lr = 1e-2).
TGRID=0.01,0.003,0.001,0.0003,0.0001,3e-05,1e-05,1e-06,1e-08,0
# The three phases of the paper, at P = 5000 (paper: P = 60000):
#   regularised        w = 30, lambda = 1e-2 (N/P = 0.97), chi = 300
#   underparameterised w = 8,  lambda = 0    (N/P = 0.082; the paper's w30/60000: 0.081), chi = 500
#   overparameterised  w = 30, lambda = 0 on P = 2000 rows (N/P = 2.4), chi = 6000,
#                      quenched 2500 epochs (the same 5e4 SGD steps as the others)
REG="--width=30 --lambda=0.01 --chi=300"
UNDER="--width=8 --lambda=0 --chi=500"
OVER="--width=30 --lambda=0 --P=2000 --quench_epochs=2500 --chi=6000"
#   overparameterised at the paper's N/P: w = 20 on P = 5000 rows, N = 2220 weights,
#                      N/P = 0.444 (the paper's w = 72 on 60000: 0.445), lambda = 0, chi = 6000,
#                      quenched 8400 epochs: the paper's training, 7000 epochs at lr = 1e-3 on
#                      60000 rows, mu*t = 4.2e3 (1000 epochs, the others' quench, leave it at
#                      loss 0.03: quench_state/overparameterised_np045_e1000). The *_np045
#                      runs use today's defaults (independent noise per T; in heterogeneity
#                      a same-basin ensemble and a T = 0 drift check), heterogeneity on the
#                      same 4 networks as quench_anneal (seed 1), K = 3 noise copies each.
OVER045="--width=20 --lambda=0 --quench_epochs=8400 --chi=6000"
# Figs. 8c/d, A11 (ageing_phases/*): ageing as the regularised run (the same t_w, lags and
# networks), underparameterised at the paper's T = 1e-4 (8.3e-6 here: T_paper = 12 T) and
# overparameterised at N/P = 0.44, T = 1e-6. Fig. A6 (ttsp_phases/*): TTSP as the
# regularised run, in the other two phases; at N/P = 0.44 (chi = 6000, a small eps) tau90 is
# below one step for T >= 3e-4, so its T are 1e-4 ... 1e-6.
# Figs. A9, A10 (tw_phases/*): tau90(T) at t_w = 2e4 steps, ten times the usual 2000 (the
# paper varies t_w "over an order of magnitude"), as the seed-2 runs (the same networks and
# noise, today's code), at the T the headline numbers read; the regularised t_w = 2000 run
# is seed2/quench_anneal/regularised, the underparameterised one is run here.
# Fig. 7 and chi4: the paper's Fig. 7(d) temperatures down to 1e-6, dt up to 1e4 steps.
HET="--T=0.001,0.0001,1e-05,1e-06 --tw=2000 --tmax=10000 --hist_lags=100,1000,10000"

# The paper's system (P = 60000, all of MNIST): the paper's quench, 7000 SGD epochs at
# lr = 1e-3 (--quench_lr; 700 epochs at 1e-2 have the same mu*t but leave the networks
# elsewhere: paper/mapping/* and docs/reproduction.md, "The step mapping on the paper's
# system"), then Langevin at lr = 1e-2 (one step = ten of the paper's steps, T as the
# paper's: docs/dynamics.md, "Units"; the descent maps, paper/mapping/*), t_w = 2000 steps
# (the paper's 2e4), lags to 3e4 steps (the paper's 3e5), histograms at 2e4 steps (the
# paper's 2e5). One set of trajectories per T gives every observable: heterogeneity on a
# same-basin ensemble (2 basins x K = 3 noise replicas at each T > 0; T = 0 on the 2 networks
# themselves) writes Q(t) (also per basin), the MSD, tau90 and tau_e with the free weight's,
# alpha2, chi4 within and between basins, the log10|dw| histograms and the state (loss,
# accuracy, unsatisfied fraction) after the quench.
PAPER="--P=0 --lr=0.01 --quench_lr=0.001 --quench_epochs=7000 --tw=2000 --tmax=30000 --per_decade=16 --hist_lags=2000,20000 --ensemble=same_basin --replicas=2 --K=3"
PAPER_T=0.001,0.0001,1e-06,0
# paper/regularised is four runs, so that the landscape-dominated temperatures finish first
# (each run takes hours): low runs T = 1e-6 (noise stream: point 1 of seed 1) and T = 0;
# high runs T = 0 again (the same trajectories, bit for bit: a check across runs), 1e-4 and
# 1e-3 (points 2 and 3: noise independent of low's). Same seed, so the same 2 networks.
# mid adds T = 1e-5, near T*, as point 4 (--noise_offset=3: a stream of its own), without
# the T = 0 companion (--drift_check=false: low and high ran T = 0); mid2 adds T = 3e-5 the
# same way as point 5 (--noise_offset=4).
# paper/mapping/*: the step mapping checked on this system at T = 0 (the regularised networks
# of seed 1, 2 of them): the paper's lr = 1e-3 throughout (its 7000-epoch quench, t_w = 2000
# steps, lags to 1e4), lr = 1e-2 throughout (700 epochs, t_w = 200, lags to 1e3: the same
# mu*t), and the paper's quench followed by gradient descent at lr = 1e-2 (--quench_lr).
MAP="--P=0 --width=30 --lambda=0.01 --chi=300 --replicas=2 --T=0 --per_decade=16"

# seed2/*: the regularised-phase experiments that give the headline numbers (tau90 slope and
# plateau, T*, the master-curve exponent, Q(10 tau90), alpha2 and chi4) again from seed 2:
# other networks, other noise, other P = 5000 rows. The seed-1 runs above used the first
# edition's defaults, which these options keep (--noise=common: one noise stream for every T;
# heterogeneity on independent networks; tau interpolated in log t; no extra T = 0 run).
SEED2="--seed=2 --noise=common"
NODRIFT="--drift_check=false"

# conv/<what>/*: the convergence table (docs/reproduction.md, "Convergence"): the seed-2 runs
# above with ONE thing changed. With --noise=common every T restarts the seed's one noise stream
# from the quenched networks, so a T's trajectories do not depend on which other T are in the
# grid: these runs keep only the T that the headline numbers read (tau90 slope: the three
# highest with tau90 >= 1 step; T* and the plateau: T = 0; Q(10 tau90): 1e-6 and 0; alpha2 and
# chi4: 1e-6). P2000: P = 2000 rows (T_paper = 30 T instead of 12 T), quenched 2500 epochs
# (the same 5e4 SGD steps as at P = 5000; tau90 is 2.5x shorter at equal T, so the slope
# reads lower T); quench250/quench4000: a quarter and 4x the 1000-epoch quench; P20000:
# P = 20000 rows (T_paper = 3 T), the same 5e4 SGD steps, and only the three T whose T_paper
# (0.03, 0.009, 0.003) is near those of the slope at P = 5000 (0.036, 0.012, 0.0036) and T = 0
# (about 30 core-minutes); lr1e-3: lr = 1e-3 with ten times the steps (equal lr*t: the quench's
# 10000 epochs, t_w = 2e4, lags to 2e4 steps, the time of 10 tau90 at T = 0 and lr = 1e-2) at
# T = 0 and two T near T* (T is unchanged: the noise per unit lr*t is 2T/P whatever lr,
# docs/dynamics.md "Units"; about 35 core-minutes); replicas8: 8 networks instead of 4
# (about 25 core-minutes); qlr1e-3: the quench at lr = 1e-3 for 10000 epochs (the same
# mu*t as the 1000 at 1e-2: the paper's quench rate, which moves the networks at P = 60000,
# paper/mapping/*), the Langevin steps unchanged. Not every one has been run:
# docs/reproduction.md, "Convergence".
CONV_T5000=0.003,0.001,0.0003,0.0001,1e-06,0
CONV_T2000=0.001,0.0003,0.0001,3e-05,1e-06,0
P2000="--P=2000 --quench_epochs=2500"

# training/regularised (Fig. A2): the loss along the whole protocol (--loss_trace: 8 points per
# decade through the quench and the waiting time, then every lag), the regularised run's
# settings at three T.
# quench_state/*: the quenches of the quench_anneal runs again (same settings and seed), to
# measure the phase each one reaches (loss, accuracy, unsatisfied fraction in state.csv;
# the first edition's runs predate state.csv).
# name | protocol | options. Training lengths: the paper's 7000 epochs at lr = 1e-3 on
# P = 60000 are mu*t = 4.2e3; uot_scan's 10000 epochs on P = 5000 (5e5 steps at 1e-2) and
# msd_batch_sweep's 700 quench epochs on all rows match it; ttt_scan's 200 epochs on all
# rows (1.2e5 steps) reach 29% of it, phase_diagram's 1000 epochs on P = 5000 12%.
experiments() {
    cat <<EOF
quench_anneal/regularised|quench_anneal|$REG --T=$TGRID --tw=2000 --tmax=5000 --replicas=4
ttsp|ttsp|--T=0.01,0.003,0.001,0.0003,0.0001 --tw=2000 --tmax=10000 --replicas=3
heterogeneity/regularised|heterogeneity|$REG $HET --replicas=6
ageing|ageing|--T=1e-06 --tw=300,1000,2000,5000,10000,15000,30000 --tmax=10000 --replicas=4
chi_sweep|chi_sweep|--T=0.01,0.003,0.001,0.0003,0.0001,3e-05,1e-05,1e-06 --chis=30,60,100,300,1000,1500 --tw=2000 --tmax=5000 --replicas=3
heterogeneity/underparameterised|heterogeneity|$UNDER $HET --replicas=6
heterogeneity/overparameterised|heterogeneity|$OVER $HET --replicas=6
quench_anneal/underparameterised|quench_anneal|$UNDER --T=$TGRID --tw=2000 --tmax=5000 --replicas=4
quench_anneal/overparameterised|quench_anneal|$OVER --T=$TGRID --tw=2000 --tmax=5000 --replicas=4
quench_anneal/fashion|quench_anneal|$REG --dataset=fashion --T=$TGRID --tw=2000 --tmax=3000 --replicas=3
seed2/quench_anneal/regularised|quench_anneal|$REG --T=$TGRID --tw=2000 --tmax=5000 --replicas=4 --tau_method=interp $SEED2
seed2/ttsp|ttsp|--T=0.01,0.003,0.001,0.0003,0.0001 --tw=2000 --tmax=10000 --replicas=3 --tau_method=interp $NODRIFT $SEED2
seed2/heterogeneity/regularised|heterogeneity|$REG $HET --replicas=6 --ensemble=independent $NODRIFT $SEED2
conv/P2000/quench_anneal/regularised|quench_anneal|$REG --T=$CONV_T2000 --tw=2000 --tmax=5000 --replicas=4 --tau_method=interp $SEED2 $P2000
conv/P2000/ttsp|ttsp|--T=0.01,0.003,0.001,0.0003,0.0001 --tw=2000 --tmax=10000 --replicas=3 --tau_method=interp $NODRIFT $SEED2 $P2000
conv/P2000/heterogeneity/regularised|heterogeneity|$REG --T=1e-06 --tw=2000 --tmax=10000 --hist_lags=100,1000,10000 --replicas=6 --ensemble=independent $NODRIFT $SEED2 $P2000
conv/quench250/quench_anneal/regularised|quench_anneal|$REG --T=$CONV_T5000 --tw=2000 --tmax=5000 --replicas=4 --tau_method=interp $SEED2 --quench_epochs=250
conv/quench4000/quench_anneal/regularised|quench_anneal|$REG --T=$CONV_T5000 --tw=2000 --tmax=5000 --replicas=4 --tau_method=interp $SEED2 --quench_epochs=4000
conv/P20000/quench_anneal/regularised|quench_anneal|$REG --T=0.01,0.003,0.001,0 --tw=2000 --tmax=5000 --replicas=4 --tau_method=interp $SEED2 --P=20000 --quench_epochs=250
conv/lr1e-3/quench_anneal/regularised|quench_anneal|$REG --T=3e-05,1e-05,0 --tw=20000 --tmax=20000 --replicas=4 --tau_method=interp $SEED2 --lr=0.001 --quench_epochs=10000
conv/replicas8/quench_anneal/regularised|quench_anneal|$REG --T=$CONV_T5000 --tw=2000 --tmax=5000 --replicas=8 --tau_method=interp $SEED2
conv/qlr1e-3/quench_anneal/regularised|quench_anneal|$REG --T=$CONV_T5000 --tw=2000 --tmax=5000 --replicas=4 --tau_method=interp $SEED2 --quench_lr=0.001 --quench_epochs=10000
training/regularised|quench_anneal|$REG --T=0.0001,1e-06,0 --tw=2000 --tmax=5000 --replicas=4 --loss_trace=8
quench_state/regularised|quench_anneal|$REG --T=0 --tw=0 --tmax=1 --replicas=4
quench_state/underparameterised|quench_anneal|$UNDER --T=0 --tw=0 --tmax=1 --replicas=4
quench_state/overparameterised|quench_anneal|$OVER --T=0 --tw=0 --tmax=1 --replicas=4
quench_state/overparameterised_np045|quench_anneal|$OVER045 --T=0 --tw=0 --tmax=1 --replicas=4
quench_state/overparameterised_np045_e1000|quench_anneal|--width=20 --lambda=0 --quench_epochs=1000 --chi=6000 --T=0 --tw=0 --tmax=1 --replicas=4
quench_anneal/overparameterised_np045|quench_anneal|$OVER045 --T=$TGRID --tw=2000 --tmax=5000 --replicas=4
heterogeneity/overparameterised_np045|heterogeneity|$OVER045 $HET --replicas=4 --K=3
ageing_phases/underparameterised|ageing|$UNDER --T=8.3e-06 --tw=300,1000,2000,5000,10000,15000,30000 --tmax=10000 --replicas=4
ageing_phases/overparameterised_np045|ageing|$OVER045 --T=1e-06 --tw=300,1000,2000,5000,10000,15000,30000 --tmax=10000 --replicas=4
tw_phases/regularised_tw20000|quench_anneal|$REG --T=$CONV_T5000 --tw=20000 --tmax=5000 --replicas=4 --tau_method=interp $SEED2
tw_phases/underparameterised_tw2000|quench_anneal|$UNDER --T=$CONV_T5000 --tw=2000 --tmax=5000 --replicas=4 --tau_method=interp $SEED2
tw_phases/underparameterised_tw20000|quench_anneal|$UNDER --T=$CONV_T5000 --tw=20000 --tmax=5000 --replicas=4 --tau_method=interp $SEED2
ttsp_phases/underparameterised|ttsp|$UNDER --T=0.01,0.003,0.001,0.0003,0.0001 --tw=2000 --tmax=10000 --replicas=3
ttsp_phases/overparameterised_np045|ttsp|$OVER045 --T=0.0001,3e-05,1e-05,3e-06,1e-06 --tw=2000 --tmax=10000 --replicas=3
msd_batch_sweep|msd_batch_sweep|--batches=1,4,16,64,256,1024 --quench_epochs=700 --tmax=100000 --replicas=2
uot_scan|uot_scan|--widths=4,6,8,10,12,14,17,20,25,30 --epochs=10000 --replicas=3
ttt_scan|ttt_scan|--lambdas=0,0.005,0.01,0.015,0.02,0.025,0.03,0.035,0.04,0.045,0.05,0.06 --epochs=200 --replicas=4
phase_diagram|phase_diagram|--widths=4,6,8,10,12,14,17,20,25,30 --lambdas=0,0.005,0.01,0.015,0.02,0.03,0.04,0.05 --epochs=1000 --replicas=3
paper/regularised/low|heterogeneity|$PAPER --width=30 --lambda=0.01 --chi=300 --T=1e-06,0
paper/regularised/high|heterogeneity|$PAPER --width=30 --lambda=0.01 --chi=300 --T=0,0.0001,0.001
paper/regularised/mid|heterogeneity|$PAPER --width=30 --lambda=0.01 --chi=300 --T=1e-05 --noise_offset=3 --drift_check=false
paper/regularised/mid2|heterogeneity|$PAPER --width=30 --lambda=0.01 --chi=300 --T=3e-05 --noise_offset=4 --drift_check=false
paper/underparameterised|heterogeneity|$PAPER --width=30 --lambda=0 --chi=500 --T=$PAPER_T
paper/overparameterised|heterogeneity|$PAPER --width=72 --lambda=0 --chi=6000 --T=1e-05,1e-06,1e-07,0
paper/mapping/lr1e-3|quench_anneal|$MAP --lr=0.001 --quench_epochs=7000 --tw=2000 --tmax=10000
paper/mapping/q1e-3_lr1e-2|quench_anneal|$MAP --lr=0.01 --quench_lr=0.001 --quench_epochs=7000 --tw=200 --tmax=1000
paper/mapping/lr1e-2|quench_anneal|$MAP --lr=0.01 --quench_epochs=700 --tw=200 --tmax=1000
EOF
}

if [ "${1:-}" = "--list" ]; then experiments | cut -d'|' -f1; exit 0; fi
fresh=${FRESH:-0}
if [ "${1:-}" = "--fresh" ]; then fresh=1; shift; fi

wanted() {  # wanted NAME [SELECTED...]: no selection selects every reduced-scale one but conv/*
    name=$1; shift
    if [ $# -eq 0 ]; then case "$name" in paper/*|conv/*) return 1 ;; *) return 0 ;; esac; fi
    for w in "$@"; do
        case "$name" in "$w"|"$w"/*) return 0 ;; esac
    done
    return 1
}

mkdir -p "$OUT"
[ -f "$OUT/timings.csv" ] || echo "experiment,status,wall_s,load_start,load_end" > "$OUT/timings.csv"
experiments | while IFS='|' read -r name proto opts; do
    wanted "$name" "$@" || continue
    dir=$OUT/$name
    if [ "$fresh" = 1 ]; then
        rm -rf "$dir"
    elif [ -f "$dir/COMPLETE" ]; then
        echo "== $name: complete, skipped (--fresh runs it again)"
        continue
    elif [ -d "$dir" ]; then
        echo "== $name: resuming the run in $dir"
    fi
    mkdir -p "$(dirname "$dir")"
    echo "== $name: glassvm protocols/$proto.lua $opts --out $dir"
    load0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo NaN)
    t0=$(date +%s)
    status=ok
    # stdin from /dev/null: glassvm must not eat the list this loop reads.
    # shellcheck disable=SC2086  # opts is a list of options
    nice -n "$NICE" "$GLASSVM" "$PROTOCOLS/$proto.lua" $opts --out "$dir" \
        --threads="$THREADS" --quiet < /dev/null || status="stopped or failed (exit $?)"
    t1=$(date +%s)
    load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo NaN)
    echo "$name,$status,$((t1 - t0)),$load0,$load1" >> "$OUT/timings.csv"
    echo "   $status, $((t1 - t0)) s"
    # Keep the folder small: gnuplot's messages only
    # where it had any, and no SVG copies (cd DIR && gnuplot X.gp redraws both).
    [ -s "$dir/gnuplot.log" ] || rm -f "$dir/gnuplot.log"
    rm -f "$dir"/*.svg
done

# The numbers of docs/reproduction.md and the figures that combine several experiments.
echo "== summary.txt, combined/"
"$GLASSVM" "$here/analyse.lua" "$OUT" > "$OUT/summary.txt" || echo "   analyse.lua FAILED"
if command -v gnuplot > /dev/null; then
    mkdir -p "$OUT/combined"
    [ "$OUT" = "$here" ] || cp "$here"/combined/*.gp "$OUT/combined/"
    for g in "$OUT"/combined/*.gp; do
        case "$g" in */common.gp) continue ;; esac
        # only where the experiments it reads are here (a paper-scale OUT has none of them)
        need=$(grep -o '"\.\./[a-z_]*' "$g" | cut -c5- | sort -u)
        skip=
        for d in $need; do [ -d "$OUT/$d" ] || skip=$d; done
        if [ -n "$skip" ]; then echo "   $(basename "$g"): skipped (no $skip/ in $OUT)"; continue; fi
        (cd "$OUT/combined" && gnuplot "$(basename "$g")") || echo "   $g FAILED"
    done
    rm -f "$OUT"/combined/*.svg   # as above: PNG only, the .gp scripts redraw the SVGs
else
    echo "   gnuplot not found: combined/ figures not drawn (apt-get install gnuplot-nox)"
fi
exit
}
