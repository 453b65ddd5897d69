# table.awk: the benchmark's CSV lines (env,metric,impl,w,P,threads,unit,
# median,min,max,n; no header, no comments) -> one markdown table and the
# issue 6 targets.  Used by bench/run.sh; run with awk -F, -f table.awk.

function has(k) { return (k in med) }
function fmt(x) {
    return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x)
}
function cell(k) {
    if (!has(k)) return "–"
    return n[k] > 1 ? fmt(med[k]) " [" fmt(lo[k]) "–" fmt(hi[k]) "]" : fmt(med[k])
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

{
    m = $2
    if (m == "sgemm") m = "sgemm" $6          # sgemm1, sgemm2: keyed by threads
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
    for (i = 1; i <= ne; i++) pk[E[i]] = med[key(E[i], "sgemm2", "glassvm", 2000, 0)]

    row("row", "unit")
    for (i = 1; i <= ne; i++)
        printf " glassvm, OpenBLAS env %s | PyTorch default | PyTorch best | × faster than best / default |", E[i]
    printf "\n|---|---|"
    for (i = 1; i <= ne; i++) printf "---|---|---|---|"
    printf "\n"

    grow("OpenBLAS sgemm 2000², 1 thread", "GFLOP/s", "sgemm1", 2000, 0)
    grow("OpenBLAS sgemm 2000², 2 threads", "GFLOP/s", "sgemm2", 2000, 0)
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
                frac[E[i], w] = pk[E[i]] > 0 ? f / pk[E[i]] : 0
            }
            printf " %s | %s | %s | |", s, has(d) ? sprintf("%.0f", gflops(w, 60000, med[d])) : "–",
                has(b) ? sprintf("%.0f", gflops(w, 60000, med[b])) : "–"
        }
        printf "\n"
    }
    trow("SGD epoch (600 steps of batch 100), w = 30", "ms", "sgd_epoch_ms", 30, 60000)
    trow("SGD epoch (600 steps of batch 100), w = 72", "ms", "sgd_epoch_ms", 72, 60000)
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
    row("… 8 replicas / 1 replica on 1 thread", "ratio")
    for (i = 1; i <= ne; i++) {
        a1 = key(E[i], "replica_steps_1r", "glassvm", 30, 60000)
        a8 = key(E[i], "replica_steps_8r", "glassvm", 30, 60000)
        ens[E[i]] = (has(a1) && has(a8)) ? med[a8] / med[a1] : 0
        printf " %s | | | |", ens[E[i]] ? sprintf("%.2f", ens[E[i]]) : "–"
    }
    printf "\n"
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

    printf "\nIssue 6 targets (medians of this run):\n"
    for (i = 1; i <= ne; i++) {
        e = E[i]; tag = "[OpenBLAS env " e "] "
        if ((e, 30) in frac) target(tag "Langevin w = 30 >= 40% of 2-thread sgemm", sprintf("%.0f%% %s", 100 * frac[e, 30], frac[e, 30] >= 0.40 ? "met" : "MISSED"))
        if ((e, 72) in frac) target(tag "Langevin w = 72 >= 55% of 2-thread sgemm", sprintf("%.0f%% %s", 100 * frac[e, 72], frac[e, 72] >= 0.55 ? "met" : "MISSED"))
        split("langevin_ms 30 3 langevin_ms 72 2 sgd_epoch_ms 30 4", T, " ")
        for (t = 1; t <= 9; t += 3) {
            g = key(e, T[t], "glassvm", T[t + 1], 60000); b = key(e, T[t], "torch_best", T[t + 1], 60000)
            if (has(g) && has(b)) target(tag (T[t] == "sgd_epoch_ms" ? "SGD epoch" : "Langevin step") " w = " T[t + 1] " >= " T[t + 2] "× faster than PyTorch best",
                sprintf("%.1f× %s", med[b] / med[g], med[b] / med[g] >= T[t + 2] ? "met" : "MISSED"))
        }
        if (ens[e]) target(tag "8 replicas >= 1.8× a single replica on 1 thread", sprintf("%.2f× %s", ens[e], ens[e] >= 1.8 ? "met" : "MISSED"))
        k = key(e, "mem_peak_mb", "glassvm", 72, 60000)
        if (has(k)) target(tag "peak RSS < 300 MB (C scenario)", sprintf("%.0f MB %s", med[k], med[k] < 300 ? "met" : "MISSED"))
        k = key(e, "mem_lua_mb", "glassvm", 72, 60000)
        if (has(k)) target(tag "peak RSS < 300 MB (glassvm script)", sprintf("%.0f MB %s", med[k], med[k] < 300 ? "met" : "MISSED"))
    }
}
