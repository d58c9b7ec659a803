//go:build linux

package main

import (
	"fmt"
	"math"
	"strings"
)

// Hand-written SVG: two panels per scenario, throughput and p99 latency
// against concurrency (equally spaced levels), one line per GOMAXPROCS,
// and the limit × GOMAXPROCS as a dashed line on the throughput panel.

var colors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"}

const (
	panelW, panelH           = 360, 250
	padL, padR, padT, padB   = 56, 12, 30, 40
	plotW, plotH             = panelW - padL - padR, panelH - padT - padB
	svgW                     = 2*panelW + 20
	labelFont, tickFont      = 13, 11
	lineWidth, limitDashWide = 2, "6 4"
	refDash, refColor        = "2 3", "#777"
)

// svgHeight fits a legend of rows lines under the panels.
func svgHeight(rows int) int { return panelH + 30 + max(rows, 4)*14 + 12 }

type series struct {
	label string
	color string
	y     []float64 // one per level; NaN where missing
}

func plotScenario(d *reportData, sc string) string {
	lv := levels(sc)
	lim, _ := limitFor(sc, d.Limits)
	var tput, p99 []series
	var limits []series
	for i, pr := range d.Procs {
		col := colors[i%len(colors)]
		t := series{label: fmt.Sprintf("GOMAXPROCS=%d", pr.GOMAXPROCS), color: col}
		p := t
		for _, c := range lv {
			r := d.runAt(pr.GOMAXPROCS, sc, c)
			if r == nil {
				t.y, p.y = append(t.y, math.NaN()), append(p.y, math.NaN())
				continue
			}
			t.y, p.y = append(t.y, r.PerSecond), append(p.y, r.P99ms)
		}
		tput, p99 = append(tput, t), append(p99, p)
		if lim > 0 {
			l := series{label: fmt.Sprintf("limit × %d = %s/s", pr.GOMAXPROCS, num(lim*float64(pr.GOMAXPROCS))), color: col}
			for range lv {
				l.y = append(l.y, lim*float64(pr.GOMAXPROCS))
			}
			limits = append(limits, l)
		}
	}
	// Keycloak's published sizing, quoted (not measured here), per vCPU
	// times the largest GOMAXPROCS.
	if kc := keycloakPerVCPU[sc]; kc > 0 && len(d.Procs) > 0 {
		top := d.Procs[len(d.Procs)-1].GOMAXPROCS
		l := series{label: fmt.Sprintf("quoted: Keycloak sizing guide %s/s per vCPU × %d", num(kc), top), color: refColor}
		for range lv {
			l.y = append(l.y, kc*float64(top))
		}
		limits = append(limits, l)
	}
	var b strings.Builder
	svgH := svgHeight(len(tput) + len(limits))
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n",
		svgW, svgH, svgW, svgH)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="15" font-weight="bold">latchkey %s (start-dev, SQLite, loopback)</text>`+"\n", padL, sc)
	panel(&b, 0, 24, "ok/s (wall clock)", lv, tput, limits)
	panel(&b, panelW+20, 24, "p99 latency, ms", lv, p99, nil)
	b.WriteString("</svg>\n")
	return b.String()
}

func panel(b *strings.Builder, x0, y0 int, title string, lv []int, data, dashed []series) {
	peak := func(ss []series) float64 {
		m := 0.0
		for _, s := range ss {
			for _, v := range s.y {
				if !math.IsNaN(v) {
					m = max(m, v)
				}
			}
		}
		return m
	}
	top := max(peak(data), peak(dashed))
	if dataTop := peak(data); dataTop > 0 && peak(dashed) > 3*dataTop {
		// A limit far above the figures would flatten them: name it in the
		// legend instead of drawing it.
		top = dataTop
		for i := range dashed {
			dashed[i].label += " (off scale)"
			dashed[i].y = nil
		}
	}
	step := niceCeil(top * 1.05 / 4)
	ticks := max(1, int(math.Ceil(top*1.05/step)))
	top = step * float64(ticks)
	px := func(i int) float64 {
		if len(lv) == 1 {
			return float64(x0 + padL + plotW/2)
		}
		return float64(x0+padL) + float64(i)*float64(plotW)/float64(len(lv)-1)
	}
	py := func(v float64) float64 { return float64(y0+padT+plotH) - v/top*float64(plotH) }
	fmt.Fprintf(b, `<g><text x="%d" y="%d" font-size="%d">%s</text>`+"\n", x0+padL, y0+padT-8, labelFont, esc(title))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", x0+padL, y0+padT, plotW, plotH)
	for k := 0; k <= ticks; k++ {
		v := step * float64(k)
		y := py(v)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>`, x0+padL, y, x0+padL+plotW, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="%d" text-anchor="end">%s</text>`+"\n", x0+padL-4, y+4, tickFont, tick(v))
	}
	for i, c := range lv {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="%d" text-anchor="middle">%d</text>`+"\n", px(i), y0+padT+plotH+15, tickFont, c)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="%d" text-anchor="middle">concurrency (workers)</text>`+"\n",
		x0+padL+plotW/2, y0+padT+plotH+32, tickFont)
	line := func(s series, dash string) {
		var pts []string
		for i, v := range s.y {
			if !math.IsNaN(v) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(i), py(v)))
			}
		}
		if len(pts) == 0 {
			return
		}
		extra := ""
		if dash != "" {
			extra = ` stroke-dasharray="` + dash + `"`
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="%d"%s/>`+"\n", strings.Join(pts, " "), s.color, lineWidth, extra)
		if dash == "" {
			for _, p := range pts {
				xy := strings.Split(p, ",")
				fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`, xy[0], xy[1], s.color)
			}
			b.WriteString("\n")
		}
	}
	for _, s := range dashed {
		line(s, dashOf(s))
	}
	for _, s := range data {
		line(s, "")
	}
	// Legend, under the axis.
	ly := y0 + padT + plotH + 50
	for _, s := range append(append([]series{}, data...), dashed...) {
		dash := ""
		if strings.HasPrefix(s.label, "limit") || strings.HasPrefix(s.label, "quoted") {
			dash = ` stroke-dasharray="` + dashOf(s) + `"`
		}
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`, x0+padL+8, ly-4, x0+padL+28, ly-4, s.color, dash)
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="%d">%s</text>`+"\n", x0+padL+32, ly, tickFont, esc(s.label))
		ly += 14
	}
	b.WriteString("</g>\n")
}

// niceCeil rounds v up to a round tick step.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} { // 1, 2, 2.5 or 5 times a power of ten
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func tick(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.3gk", v/1000)
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// dashOf is a reference line's dash: dotted grey for quoted figures,
// dashed for limits.
func dashOf(s series) string {
	if s.color == refColor {
		return refDash
	}
	return limitDashWide
}
