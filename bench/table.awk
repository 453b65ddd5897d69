# table.awk: the benchmark's CSV lines (env,metric,impl,w,P,threads,unit,
# median,min,max,n; no header, no comments) -> one markdown table and the
# targets of issues 6 and 16.  Used by bench/run.sh; run with awk -F, -f table.awk.

function has(k) { return (k in med) }
function fmt(x) {
    return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x)
}
function cell(k,   f) {
    if (!has(k)) return "–"
    split(k, f, SUBSEP)
    return (n[k] > 1 ? fmt(med[k]) " [" fmt(lo[k]) "–" fmt(hi[k]) "]" : fmt(med[k])) \
        (f[3] == "glassvm" && disturbed(f[1], f[2]) ? " (disturbed)" : "")
}
# glassvm's rows are timed in windows between the 2-thread sgemm measurements
# (bench_glassvm all: sgemm 0, Langevin, sgemm 1, basin, SGD, SGD ensemble,
# sgemm 2, ensemble, scaling, sgemm 3).  A window is disturbed when a
# measurement at either end fell below 80 % of the peak: its timings then
# say more about the machine than about glassvm.
function window(m) {
    if (m == "langevin_ms") return 1
    if (m == "basin_langevin_ms" || m == "sgd_epoch_ms" || m == "sgd_ens_rate") return 2
    if (m == "replica_steps_1r" || m == "replica_steps_8r" || m == "replica_steps_ratio" ||
        m == "scaling_P_ms") return 3
    return 0
}
function disturbed(e, m,   w) { w = window(m); return w > 0 && ((e, w) in dlow) }
function not_verdict(e, m, r) {
    return sprintf("%s, NOT A VERDICT: timed next to a 2-thread sgemm median of %s GFLOP/s, under 80%% of the peak (%s): the machine was disturbed; rerun",
                   r, fmt(dlow[e, window(m)]), fmt(pk[e]))
}
function key(e, m, i, w, P) { return e SUBSEP m SUBSEP i SUBSEP w SUBSEP P }
function nw(w) { return 11 * w + 5 * w * w }   # d = 10, 6 hidden layers of w, 1 output
function gflops(w, P, ms) { return 6 * nw(w) * P / ms * 1e-6 }
function x(a, b) { return sprintf("%.1f×", a / b) }
# speedup of glassvm (time g) over PyTorch best and default (times b, d)
function speedup(g, b, d) {
    if (!has(g) || !has(b)) return "–"
    return x(med[b], med[g]) (has(d) ? " / " x(med[d], med[g]) : "")
}
function row(label, unit) { printf "| %s | %s |", label, unit }
# a glassvm-only row: one value per environment
function grow(label, unit, m, w, P,   i) {
    row(label, unit)
    for (i = 1; i <= ne; i++) printf " %s | | | |", cell(key(E[i], m, "glassvm", w, P))
    printf "\n"
}
# a row measured in both: glassvm, PyTorch default, best, speedups
function trow(label, unit, m, w, P,   i, g, d, b) {
    row(label, unit)
    for (i = 1; i <= ne; i++) {
        g = key(E[i], m, "glassvm", w, P); d = key(E[i], m, "torch_default", w, P)
        b = key(E[i], m, "torch_best", w, P)
        printf " %s | %s | %s | %s |", cell(g), cell(d), cell(b), speedup(g, b, d)
    }
    printf "\n"
}
function target(what, ok) { printf "- %s: %s\n", what, ok }
# a rate row (higher is better): glassvm, PyTorch default, best, glassvm / PyTorch
function rrow(label, unit, m, w, P,   i, g, d, b) {
    row(label, unit)
    for (i = 1; i <= ne; i++) {
        g = key(E[i], m, "glassvm", w, P); d = key(E[i], m, "torch_default", w, P)
        b = key(E[i], m, "torch_best", w, P)
        printf " %s | %s | %s | %s |", cell(g), cell(d), cell(b),
            (has(g) && has(b)) ? x(med[g], med[b]) (has(d) ? " / " x(med[g], med[d]) : "") : "–"
    }
    printf "\n"
}
# PyTorch's best time for a row: the faster of its two settings ("best", the
# explicit thread setting, is not always faster: the SGD rows, some runs).
function torch_fastest(e, m, w, P,   b, d) {
    b = key(e, m, "torch_best", w, P); d = key(e, m, "torch_default", w, P)
    if (has(b) && has(d) && med[d] < med[b]) return d
    return b
}
# A speed-up r as the verdict shows it: one decimal, two where one would round
# a miss up to the target (7.98 is "7.98×", not "8.0× MISSED").
function xfmt(r, want,   s) {
    s = sprintf("%.1f", r)
    if (r < want && s + 0 >= want) s = sprintf("%.2f", r)
    return s "×"
}
# "N× met" or "N× MISSED" for glassvm's time against PyTorch's best (times)
function vs_best(e, m, w, P, want,   g, b, r, s) {
    g = key(e, m, "glassvm", w, P); b = torch_fastest(e, m, w, P)
    if (!has(g) || !has(b)) return ""
    r = med[b] / med[g]
    s = b == key(e, m, "torch_default", w, P) ? " (PyTorch's default setting, faster here)" : ""
    if (disturbed(e, m)) return not_verdict(e, m, xfmt(r, want)) s
    return sprintf("%s %s%s", xfmt(r, want), r >= want ? "met" : "MISSED", s)
}
# What a speed-up target asks of the machine: glassvm would have to do
# `flops` in PyTorch best's time / want, as GFLOP/s and as a share of the
# highest sgemm rate this run measured (`peak`, the best single timing, so
# "unattainable" is said only when even that is exceeded).
function needs(e, m, w, want, flops, peak,   b, f) {
    b = torch_fastest(e, m, w, 60000)
    if (!has(b) || peak <= 0) return ""
    f = flops / (med[b] / want) * 1e-6
    return sprintf(" (needs %.0f GFLOP/s = %.0f%% of the highest sgemm rate measured, %.0f%s)", f,
                   100 * f / peak, peak, f > peak ? ": UNATTAINABLE on this machine" : "")
}

{
    m = $2
    if (m == "sgemm") m = "sgemm" $6          # sgemm1, sgemm2: keyed by threads
    if (m == "sgemm1" && $10 > top1[$1]) top1[$1] = $10   # highest single timings
    if (m == "sgemm2" && $10 > top2[$1]) top2[$1] = $10
    k = key($1, m, $3, $4, $5)
    envs[$1] = 1
    if (m ~ /^mem_/) {                         # one value per process: pool them
        c = ++mc[k]; mv[k, c] = $8
    } else {
        med[k] = $8; lo[k] = $9; hi[k] = $10; n[k] = $11
    }
}

END {
    for (k in mc) {
        c = mc[k]
        for (i = 1; i <= c; i++) a[i] = mv[k, i]
        for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        med[k] = c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
        lo[k] = a[1]; hi[k] = a[c]; n[k] = c
    }
    ne = 0
    if ("set" in envs) E[++ne] = "set"
    if ("unset" in envs) E[++ne] = "unset"
    # The 2-thread sgemm peak, measured between groups of rows (P = its
    # sequence number): the highest median is the peak, and the spread says
    # how disturbed the measurements were.
    for (i = 1; i <= ne; i++) {
        pk[E[i]] = 0; pl[E[i]] = ""; pmin[E[i]] = 0
        for (q = 0; q < 10; q++) {
            k = key(E[i], "sgemm2", "glassvm", 2000, q)
            if (!has(k)) continue
            if (med[k] > pk[E[i]]) pk[E[i]] = med[k]
            if (pmin[E[i]] == 0 || med[k] < pmin[E[i]]) pmin[E[i]] = med[k]
            pl[E[i]] = pl[E[i]] (pl[E[i]] == "" ? "" : ", ") fmt(med[k])
        }
        # The windows next to a measurement under 80 % of the peak.
        for (q = 0; q < 10; q++) {
            k = key(E[i], "sgemm2", "glassvm", 2000, q)
            if (!has(k) || med[k] >= 0.8 * pk[E[i]]) continue
            for (w = q; w <= q + 1; w++)
                if (w >= 1 && w <= 3 && (!((E[i], w) in dlow) || med[k] < dlow[E[i], w])) dlow[E[i], w] = med[k]
        }
    }

    row("row", "unit")
    for (i = 1; i <= ne; i++)
        printf " glassvm, OpenBLAS env %s | PyTorch default | PyTorch best | × faster than best / default |", E[i]
    printf "\n|---|---|"
    for (i = 1; i <= ne; i++) printf "---|---|---|---|"
    printf "\n"

    grow("OpenBLAS sgemm 2000², 1 thread", "GFLOP/s", "sgemm1", 2000, 0)
    grow("OpenBLAS sgemm 2000², 2 threads (first measurement)", "GFLOP/s", "sgemm2", 2000, 0)
    row("… 2 threads, measured again between rows: medians (peak = the highest)", "GFLOP/s")
    for (i = 1; i <= ne; i++) printf " %s | | | |", pl[E[i]] == "" ? "–" : pl[E[i]] (pmin[E[i]] < 0.8 * pk[E[i]] ? " (spread > 20 %: disturbed; glassvm's rows timed next to a low one say \"(disturbed)\")" : "")
    printf "\n"
    split("30 50 72 82", W, " ")
    for (j = 1; j <= 4; j++) {
        w = W[j]
        trow("Langevin step, w = " w " (N = " nw(w) "), P = 60000", "ms", "langevin_ms", w, 60000)
        row("… achieved 6·N·P rate (% of 2-thread sgemm)", "GFLOP/s")
        for (i = 1; i <= ne; i++) {
            g = key(E[i], "langevin_ms", "glassvm", w, 60000)
            d = key(E[i], "langevin_ms", "torch_default", w, 60000)
            b = key(E[i], "langevin_ms", "torch_best", w, 60000)
            s = "–"
            if (has(g)) {
                f = gflops(w, 60000, med[g]); s = sprintf("%.0f", f)
                if (pk[E[i]] > 0) s = s sprintf(" (%.0f%%)", 100 * f / pk[E[i]])
                if (pk[E[i]] > 0 && f > pk[E[i]]) { s = s " peak not credible"; bad[E[i]] = 1 }
                frac[E[i], w] = pk[E[i]] > 0 ? f / pk[E[i]] : 0
            }
            printf " %s | %s | %s | |", s, has(d) ? sprintf("%.0f", gflops(w, 60000, med[d])) : "–",
                has(b) ? sprintf("%.0f", gflops(w, 60000, med[b])) : "–"
        }
        printf "\n"
    }
    for (j = 1; j <= 2; j++) {
        w = j == 1 ? 30 : 72
        trow("Langevin step in a trained basin (SGD quench, then T = 1e-4), w = " w, "ms", "basin_langevin_ms", w, 60000)
        grow("… unsatisfied fraction there (rows whose backward pass glassvm skips)", "fraction", "basin_unsat", w, 60000)
    }
    trow("SGD epoch (600 steps of batch 100), w = 30", "ms", "sgd_epoch_ms", 30, 60000)
    trow("SGD epoch (600 steps of batch 100), w = 72", "ms", "sgd_epoch_ms", 72, 60000)
    rrow("SGD quench of 8 replicas, w = 30 (first 5 epochs; PyTorch: loop or bmm, the faster)", "replica-epochs/s", "sgd_ens_rate", 30, 60000)
    rrow("SGD quench of 8 replicas, w = 72 (first 5 epochs; PyTorch: loop or bmm, the faster)", "replica-epochs/s", "sgd_ens_rate", 72, 60000)
    trow("End to end: the main job (protocols/ageing.lua at its defaults) vs bench/torch_ageing.py", "s", "e2e_s", 30, 5000)
    grow("Langevin w = 30: 1 replica on 1 thread", "replica-steps/s", "replica_steps_1r", 30, 60000)
    row("Langevin w = 30: 8 replicas on all threads (PyTorch: 1000 / ms per step)", "replica-steps/s")
    for (i = 1; i <= ne; i++) {
        g = key(E[i], "replica_steps_8r", "glassvm", 30, 60000)
        d = key(E[i], "langevin_ms", "torch_default", 30, 60000)
        b = key(E[i], "langevin_ms", "torch_best", 30, 60000)
        printf " %s | %s | %s | %s |", cell(g), has(d) ? fmt(1000 / med[d]) : "–",
            has(b) ? fmt(1000 / med[b]) : "–",
            (has(g) && has(b)) ? sprintf("%.1f×", med[g] * med[b] / 1000) (has(d) ? sprintf(" / %.1f×", med[g] * med[d] / 1000) : "") : "–"
    }
    printf "\n"
    # The two are timed in alternation, each repetition's ratio from its own
    # pair (older CSVs: the ratio of the two medians).
    paired = 0
    for (i = 1; i <= ne; i++) paired += has(key(E[i], "replica_steps_ratio", "glassvm", 30, 60000))
    row("… 8 replicas / 1 replica on 1 thread" (paired ? " (timed in alternation: the pairs' median [min–max])" : ""), "ratio")
    for (i = 1; i <= ne; i++) {
        a1 = key(E[i], "replica_steps_1r", "glassvm", 30, 60000)
        a8 = key(E[i], "replica_steps_8r", "glassvm", 30, 60000)
        q = key(E[i], "replica_steps_ratio", "glassvm", 30, 60000)
        ens[E[i]] = has(q) ? med[q] : (has(a1) && has(a8)) ? med[a8] / med[a1] : 0
        printf " %s | | | |", has(q) ? cell(q) : ens[E[i]] ? sprintf("%.2f", ens[E[i]]) : "–"
    }
    printf "\n"
    grow("… the machine's own: 2-thread / 1-thread sgemm 2000², in the same repetitions", "ratio", "sgemm_2t_1t_ratio", 2000, 60000)
    split("6000 15000 30000 60000", PP, " ")
    for (wi = 1; wi <= 2; wi++) {
        w = wi == 1 ? 30 : 72
        for (j = 1; j <= 4; j++)
            grow("Langevin step vs P: w = " w ", P = " PP[j], "ms", "scaling_P_ms", w, PP[j])
        grow("… fitted exponent of time vs P (w = " w ")", "exponent", "langevin_P_exponent", w, 0)
    }
    grow("fitted exponent of time vs N (w = 30…82, P = 60000)", "exponent", "langevin_N_exponent", 0, 60000)
    grow("peak RSS, 16 replicas w = 72 Langevin + two-time observer, whole process", "MB", "mem_peak_mb", 72, 60000)
    grow("… peak while loading + preprocessing MNIST", "MB", "mem_load_mb", 72, 60000)
    grow("… peak during the run itself (high-water mark reset after loading)", "MB", "mem_run_mb", 72, 60000)
    grow("… the same as a glassvm script (bench/mem_run.lua: glass.data.mnist{} loads train and test)", "MB", "mem_lua_mb", 72, 60000)

    printf "\nIssue 16 targets (medians of this run; speed-ups against PyTorch's faster setting):\n"
    for (i = 1; i <= ne; i++) {
        e = E[i]; tag = "[OpenBLAS env " e "] "
        if (bad[e]) target(tag "sgemm peak", sprintf("NOT CREDIBLE: a row ran faster than the highest 2-thread sgemm median (%s GFLOP/s); the %% of peak below are not meaningful", fmt(pk[e])))
        split("30 8 72 8", T, " ")
        for (t = 1; t <= 4; t += 2) {
            r = vs_best(e, "basin_langevin_ms", T[t], 60000, T[t + 1])
            k = key(e, "basin_unsat", "glassvm", T[t], 60000)
            # glassvm's least work there: the forward pass on every row, the
            # backward (4NP per row) on the unsatisfied ones only.
            if (r != "" && has(k)) r = r needs(e, "basin_langevin_ms", T[t], T[t + 1],
                                               (2 + 4 * med[k]) * nw(T[t]) * 60000, top2[e])
            if (r != "") target(tag "Langevin in a trained basin, w = " T[t] " >= " T[t + 1] "×", r)
        }
        split("30 5 50 5 72 4 82 4", T, " ")
        for (t = 1; t <= 8; t += 2) {
            r = vs_best(e, "langevin_ms", T[t], 60000, T[t + 1])
            if (r != "") r = r needs(e, "langevin_ms", T[t], T[t + 1], 6 * nw(T[t]) * 60000, top2[e])
            if (r != "") target(tag "Langevin from the initial weights, w = " T[t] " >= " T[t + 1] "×", r)
        }
        split("50 72 82", T, " ")
        for (t = 1; t <= 3; t++)
            if ((e, T[t]) in frac && pk[e] > 0) target(tag "Langevin w = " T[t] " >= 70% of 2-thread sgemm",
                disturbed(e, "langevin_ms") ? not_verdict(e, "langevin_ms", sprintf("%.0f%%", 100 * frac[e, T[t]])) : \
                sprintf("%.0f%% %s%s", 100 * frac[e, T[t]], frac[e, T[t]] >= 0.70 ? "met" : "MISSED",
                        bad[e] ? " (peak not credible)" : ""))
        r = vs_best(e, "sgd_epoch_ms", 72, 60000, 4)
        # An epoch is 6NP flops; its 100-row batches run on one thread.
        if (r != "") r = r needs(e, "sgd_epoch_ms", 72, 4, 6 * nw(72) * 60000, top1[e])
        if (r != "") target(tag "SGD epoch w = 72 >= 4×", r)
        if (ens[e]) target(tag "8 replicas on 2 threads >= 1.9× one replica on 1 thread",
                           disturbed(e, "replica_steps_8r") ? not_verdict(e, "replica_steps_8r", sprintf("%.2f×", ens[e])) : \
                           sprintf("%.2f× %s%s", ens[e], ens[e] >= 1.9 ? "met" : "MISSED",
                                   has(key(e, "sgemm_2t_1t_ratio", "glassvm", 2000, 60000)) ? \
                                   sprintf(" (OpenBLAS's sgemm gave two threads %.2f× one in the same repetitions)",
                                           med[key(e, "sgemm_2t_1t_ratio", "glassvm", 2000, 60000)]) : ""))
        r = vs_best(e, "e2e_s", 30, 5000, 5)
        if (r != "") target(tag "end to end, the main job >= 5×", r)
        k = key(e, "mem_peak_mb", "glassvm", 72, 60000)
        if (has(k)) target(tag "peak RSS < 300 MB (C scenario)", sprintf("%.0f MB %s", med[k], med[k] < 300 ? "met" : "MISSED"))
        k = key(e, "mem_lua_mb", "glassvm", 72, 60000)
        if (has(k)) target(tag "peak RSS < 300 MB (glassvm script)", sprintf("%.0f MB %s", med[k], med[k] < 300 ? "met" : "MISSED"))
    }
}
