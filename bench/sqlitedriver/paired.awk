# paired.awk: per-round ratios to modernc, then their median over rounds.
#
# The drivers run back to back inside a round, so on a shared machine a
# ratio taken within one round cancels most of the load that comes and goes
# between rounds. Input: the raw `go test -bench` output of run.sh, rounds
# separated by their "goos:" header. Output: a Markdown table with, per
# operation, the median over rounds of modernc's ns/op and cpu-ns/op and the
# median of each driver's per-round ratio to modernc (below 1 = faster).

function median(arr, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = arr[i]
		for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]
		arr[j + 1] = t
	}
	return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}

function human(ns) {
	if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
	if (ns >= 1e3) return sprintf("%.1f µs", ns / 1e3)
	return sprintf("%.0f ns", ns)
}

/^goos:/ { round++ }

/^Benchmark/ {
	name = $1
	sub(/^Benchmark/, "", name)
	sub(/-[0-9]+$/, "", name)
	drv = name
	sub(/.*\/driver=/, "", drv)
	sub(/\/driver=[^\/]*$/, "", name)
	if (!(name in seen)) { seen[name] = 1; ops[++nops] = name }
	for (i = 3; i < NF; i++) {
		if ($(i + 1) == "ns/op") wall[round, name, drv] = $i
		if ($(i + 1) == "cpu-ns/op") cpu[round, name, drv] = $i
	}
}

END {
	printf "| operation | modernc wall | ncruces / modernc | mattn / modernc | modernc CPU | ncruces / modernc | mattn / modernc | rounds |\n"
	printf "|---|---:|---:|---:|---:|---:|---:|---:|\n"
	for (k = 1; k <= nops; k++) {
		op = ops[k]
		line = "| " op
		for (m = 0; m < 2; m++) {
			n = 0; nn = 0; nm = 0
			split("", b); split("", rn); split("", rm)
			for (r = 1; r <= round; r++) {
				base = m ? cpu[r, op, "modernc"] : wall[r, op, "modernc"]
				if (base == "") continue
				b[++n] = base
				v = m ? cpu[r, op, "ncruces"] : wall[r, op, "ncruces"]
				if (v != "") rn[++nn] = v / base
				v = m ? cpu[r, op, "mattn"] : wall[r, op, "mattn"]
				if (v != "") rm[++nm] = v / base
			}
			if (m == 0) rounds = n
			if (n == 0) { line = line " | – | – | –"; continue }
			line = line sprintf(" | %s | %.2f | %.2f", human(median(b, n)), median(rn, nn), median(rm, nm))
		}
		print line " | " rounds " |"
	}
}
