# summary.awk: the GPU benchmark table (docs/performance.md, "GPU") from
# bench_gpu's and torch_gpu.py's CSV lines (metric,impl,w,P,R,unit,median,...).
#   awk -F, [-v impl=glassvm-cuda] -f bench/gpu/summary.awk bench_gpu.csv torch_gpu.csv
# Prints a Markdown table of medians and the issue's targets, each PASS or
# MISS (or "not measured").
$1 == "replica_steps" { rate[$2, $3, $5] = $7; rows[$3, $5] = $4; key[$3 " " $5] = 1; impls[$2] = 1 }
$1 == "fp32_peak" { peak = $7 }
function best_torch(w, R,    b, i) {
    b = 0
    for (i in impls) if (i ~ /^torch-/ && ((i, w, R) in rate) && rate[i, w, R] + 0 > b) b = rate[i, w, R] + 0
    return b
}
function show(x) { return x == "" ? "–" : (x + 0 >= 1000 ? sprintf("%.0f", x) : sprintf("%.4g", x)) }
function verdict(ok, have) { return have ? (ok ? "PASS" : "MISS") : "not measured" }
END {
    g = impl == "" ? "glassvm-cuda" : impl
    printf "| w | R | glassvm replica-steps/s | glassvm TFLOP/s | %% of fp32 peak | torch loop | torch bmm | torch bmm+graph | glassvm / best torch |\n"
    printf "|---|---|---|---|---|---|---|---|---|\n"
    n = 0
    for (k in key) order[++n] = k
    # sort by w then R (numeric)
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) {
        split(order[i], a, " "); split(order[j], b, " ")
        if (a[1] + 0 > b[1] + 0 || (a[1] + 0 == b[1] + 0 && a[2] + 0 > b[2] + 0)) { t = order[i]; order[i] = order[j]; order[j] = t }
    }
    for (i = 1; i <= n; i++) {
        split(order[i], a, " "); w = a[1]; R = a[2]
        r = rate[g, w, R]
        N = 10 * w + 5 * w * w + w
        tf = r == "" ? "" : r * 6 * N * rows[w, R] / 1e12
        pct = (tf == "" || peak == "") ? "" : 100 * tf / peak
        bt = best_torch(w, R)
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", w, R, show(r), show(tf), show(pct),
            show(rate["torch-loop", w, R]), show(rate["torch-bmm", w, R]), show(rate["torch-graph", w, R]),
            (r == "" || bt == 0) ? "–" : sprintf("%.2f×", r / bt)
    }
    # (printf's arguments in parentheses: a bare ">" would redirect the output)
    printf("\nfp32 peak measured (8192³ matmul, TF32 off): %s TFLOP/s.  FLOP rates count 6·N·P per replica-step.\n\n", show(peak))
    r = rate[g, 30, 64]; bt = best_torch(30, 64)
    ratio = (bt > 0 && r != "") ? sprintf("%.2f", r / bt) : "–"
    printf("- R = 64, w = 30: ≥ 20000 replica-steps/s: %s (%s)\n", verdict(r + 0 >= 20000, r != ""), show(r))
    printf("- R = 64, w = 30: ≥ 2× the best PyTorch: %s (%s×)\n", verdict(ratio + 0 >= 2, ratio != "–"), ratio)
    split("30 72", ws, " ")
    for (i = 1; i <= 2; i++) {
        r = rate[g, ws[i], 1]; bt = best_torch(ws[i], 1)
        printf("- R = 1, w = %s: ≥ PyTorch's rate: %s (%s vs %s)\n", ws[i], verdict(r + 0 >= bt, r != "" && bt > 0),
            show(r), bt > 0 ? show(bt) : "–")
    }
}
