"""Small inline SVG charts drawn on the server (no JavaScript library, no CDN). All text is escaped."""
from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

# Colour-blind-friendly palette (Okabe-Ito), one per series in order.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442", "#999999")


def line_chart(days: list[date], series: dict[str, list[int]], width: int = 760, height: int = 240) -> Markup:
    left, right, top, bottom = 40, 150, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((max(values) for values in series.values() if values), default=0) or 1
    n = max(len(days) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: int) -> float:
        return top + plot_h * (1 - v / peak)

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="Flags per label per day">']
    for frac in (0, 0.5, 1):
        gy = top + plot_h * (1 - frac)
        out.append(f'<line x1="{left}" y1="{gy:.1f}" x2="{left + plot_w}" y2="{gy:.1f}" class="grid"/>')
        out.append(f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" class="axis">{round(peak * frac)}</text>')
    for i in (0, len(days) // 2, len(days) - 1):
        if 0 <= i < len(days):
            out.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" class="axis">'
                       f'{days[i].strftime("%b %d")}</text>')
    for k, (label, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
                   f'<title>{escape(label)}: {sum(values)} in {len(days)} days</title></polyline>')
        ly = top + 14 + 18 * k
        out.append(f'<rect x="{left + plot_w + 14}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{left + plot_w + 30}" y="{ly}" class="legend">{escape(label)} ({sum(values)})</text>')
    if not series:
        out.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" class="axis">'
                   'No flagged comments in this period</text>')
    out.append("</svg>")
    return Markup("".join(out))


def bar(value: float | None, width: int = 120, height: int = 10, neutral: bool = False) -> Markup:
    """A score bar 0..1 as SVG (attributes, not inline styles, so the page's CSP needs no 'unsafe-inline').
    Scores are coloured by severity; ``neutral`` bars (shares such as precision) are not."""
    v = 0.0 if value is None else min(max(float(value), 0.0), 1.0)
    level = "neutral" if neutral else "high" if v >= 0.7 else "mid" if v >= 0.4 else "low"
    return Markup(f'<svg class="bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-hidden="true">'
                  f'<rect class="bar-bg" width="{width}" height="{height}" rx="2"/>'
                  f'<rect class="bar-{level}" width="{v * width:.1f}" height="{height}" rx="2"/></svg>')
