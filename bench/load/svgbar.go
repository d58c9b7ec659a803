//go:build linux

package main

import (
	"fmt"
	"strings"
)

// Horizontal bar charts for figures that have no concurrency axis: this
// run's measurements beside limits, targets and quoted peer figures.

// Bar kinds, each drawn in its own style.
const (
	barMeasured = "measured" // solid blue: this run
	barLimit    = "limit"    // blue outline: this run's limit
	barTarget   = "target"   // green outline: the target
	barQuoted   = "quoted"   // grey, hatched: a peer's figure, not measured here
)

type bar struct {
	label string
	value float64
	kind  string
	text  string // written after the bar
}

const (
	barLabelW, barAreaW, barTextW = 300, 330, 230
	barH, barGap                  = 18, 8
)

// barChart draws bars on one linear scale from zero, with a caption.
func barChart(title, caption string, bars []bar) string {
	top := 0.0
	for _, b := range bars {
		top = max(top, b.value)
	}
	if top <= 0 {
		top = 1
	}
	w := barLabelW + barAreaW + barTextW
	h := 40 + len(bars)*(barH+barGap) + 44
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n", w, h, w, h)
	b.WriteString(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
		`<rect width="6" height="6" fill="#ddd"/><line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/></pattern></defs>` + "\n")
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="8" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", esc(title))
	y := 36
	for _, br := range bars {
		bw := br.value / top * barAreaW
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="%d" text-anchor="end">%s</text>`, barLabelW-6, y+13, tickFont, esc(br.label))
		switch br.kind {
		case barMeasured:
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="#1f77b4"/>`, barLabelW, y, bw, barH)
		case barLimit:
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="none" stroke="#1f77b4" stroke-width="2" stroke-dasharray="6 4"/>`, barLabelW, y, bw, barH)
		case barTarget:
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="none" stroke="#2ca02c" stroke-width="2"/>`, barLabelW, y, bw, barH)
		default:
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="url(#hatch)" stroke="#777"/>`, barLabelW, y, bw, barH)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="%d">%s</text>`+"\n", float64(barLabelW)+bw+6, y+13, tickFont, esc(br.text))
		y += barH + barGap
	}
	fmt.Fprintf(&b, `<text x="8" y="%d" font-size="%d">%s</text>`+"\n", y+14, tickFont,
		esc("Blue: measured by this run (dashed outline: its limit). Green outline: the issue's target."))
	fmt.Fprintf(&b, `<text x="8" y="%d" font-size="%d">%s</text>`+"\n", y+30, tickFont, esc(caption))
	b.WriteString("</svg>\n")
	return b.String()
}
