//! Charts drawn on the server as inline SVG: scales (linear and log),
//! ticks, axes, points, lines, bars and error bars.
//!
//! Why not a plotting crate: `plotters` (with `default-features = false`
//! and `svg_backend`) was weighed. Its naive font estimate does lay out text
//! without reading system fonts, and its SVG carries no `style=`
//! attributes, but it writes every colour as a fixed `fill="#…"` (so a chart
//! cannot follow the stylesheet's palette or its dark scheme), rounds every
//! coordinate to whole pixels, and has no `role`, `<title>` or `<desc>`: the
//! markup would have to be rewritten after drawing to be accessible. What
//! the pages need is small, so it is written here once: every mark carries
//! a CSS class from `bulwark.css`, every label is escaped, and each chart
//! names itself for assistive technology (`role="img"`, `<title>`,
//! `<desc>`), the page giving the same numbers as a table beside it.

use std::fmt::Write;

/// Escapes text for SVG character data and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A map from data values to SVG units, linear or logarithmic (base 10).
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
    log: bool,
}

impl Scale {
    /// `domain` onto `range`; an empty domain is widened by one either side.
    pub fn linear(domain: (f64, f64), range: (f64, f64)) -> Scale {
        let (mut d0, mut d1) = domain;
        if !(d1 - d0).is_normal() {
            d0 -= 1.0;
            d1 += 1.0;
        }
        Scale {
            d0,
            d1,
            r0: range.0,
            r1: range.1,
            log: false,
        }
    }

    /// `domain` (positive values) onto `range` by their logarithms, widened
    /// to whole decades.
    pub fn log(domain: (f64, f64), range: (f64, f64)) -> Scale {
        let lo = domain.0.max(f64::MIN_POSITIVE).log10().floor();
        let mut hi = domain.1.max(f64::MIN_POSITIVE).log10().ceil();
        if hi <= lo {
            hi = lo + 1.0;
        }
        Scale {
            d0: lo,
            d1: hi,
            r0: range.0,
            r1: range.1,
            log: true,
        }
    }

    /// Where `v` falls; a non-positive value on a log scale falls at the
    /// start of the range.
    pub fn at(&self, v: f64) -> f64 {
        let v = if self.log {
            if v > 0.0 { v.log10() } else { self.d0 }
        } else {
            v
        };
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }

    /// The domain as values (decades' powers on a log scale).
    #[cfg(test)]
    pub fn domain(&self) -> (f64, f64) {
        if self.log {
            (10f64.powf(self.d0), 10f64.powf(self.d1))
        } else {
            (self.d0, self.d1)
        }
    }

    /// Round values in the domain, about `n` of them: 1, 2 or 5 times a
    /// power of ten apart; on a log scale, powers of ten (every second or
    /// third decade when there are many).
    pub fn ticks(&self, n: usize) -> Vec<f64> {
        let n = n.max(2);
        if self.log {
            let (lo, hi) = (self.d0 as i32, self.d1 as i32);
            let decades = (hi - lo).max(1) as usize;
            let every = decades.div_ceil(n).max(1) as i32;
            return (lo..=hi)
                .filter(|k| (k - lo) % every == 0)
                .map(|k| 10f64.powi(k))
                .collect();
        }
        let step = nice_step((self.d1 - self.d0) / n as f64);
        let first = (self.d0 / step).ceil() as i64;
        let last = (self.d1 / step + 1e-9).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    }
}

/// 1, 2 or 5 times a power of ten, the smallest not below `raw`.
fn nice_step(raw: f64) -> f64 {
    if !raw.is_normal() || raw <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    let f = raw / p;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * p
}

/// A round number for a tick: no trailing zeros, at most two decimals.
pub fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A power of ten as people write it: `10²⁴`.
pub fn power_of_ten(v: f64) -> String {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let k = v.log10().round() as i32;
    let mut out = String::from("10");
    if k < 0 {
        out.push('⁻');
    }
    for d in k.unsigned_abs().to_string().chars() {
        if let Some(i) = d.to_digit(10) {
            out.push(SUP[i as usize]);
        }
    }
    out
}

/// A coordinate in SVG units, to a tenth.
fn c(v: f64) -> String {
    format!("{v:.1}")
}

/// The frame every chart shares: its size, its plot area and its names.
struct Frame {
    id: String,
    w: f64,
    h: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Frame {
    fn open(&self, out: &mut String, title: &str, desc: &str) {
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMin meet"><title id="{id}-title">{t}</title><desc id="{id}-desc">{d}</desc>"#,
            w = self.w,
            h = self.h,
            id = escape(&self.id),
            t = escape(title),
            d = escape(desc),
        );
    }

    /// Gridlines and labels of the y axis at `ticks`.
    fn y_axis(&self, out: &mut String, y: &Scale, ticks: &[(f64, String)], name: &str) {
        for (v, label) in ticks {
            let py = y.at(*v);
            let _ = write!(
                out,
                r#"<line class="chart-grid" x1="{}" y1="{py}" x2="{}" y2="{py}"/><text class="chart-tick" x="{}" y="{py}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
                c(self.left),
                c(self.w - self.right),
                c(self.left - 6.0),
                escape(label),
                py = c(py),
            );
        }
        let _ = write!(
            out,
            r#"<text class="chart-axis-name" x="{}" y="{}" text-anchor="start">{}</text>"#,
            c(4.0),
            c(self.top - 10.0),
            escape(name)
        );
    }

    /// The x axis line and its labels at `ticks`.
    fn x_axis(&self, out: &mut String, x: &Scale, ticks: &[(f64, String)], name: &str) {
        let base = self.h - self.bottom;
        let _ = write!(
            out,
            r#"<line class="chart-axis" x1="{}" y1="{b}" x2="{}" y2="{b}"/>"#,
            c(self.left),
            c(self.w - self.right),
            b = c(base),
        );
        for (v, label) in ticks {
            let px = x.at(*v);
            let _ = write!(
                out,
                r#"<line class="chart-axis" x1="{px}" y1="{b}" x2="{px}" y2="{}"/><text class="chart-tick" x="{px}" y="{}" text-anchor="middle">{}</text>"#,
                c(base + 5.0),
                c(base + 20.0),
                escape(label),
                px = c(px),
                b = c(base),
            );
        }
        let _ = write!(
            out,
            r#"<text class="chart-axis-name" x="{}" y="{}" text-anchor="end">{}</text>"#,
            c(self.w - self.right),
            c(self.h - 4.0),
            escape(name)
        );
    }
}

/// One point of a scatter chart.
pub struct Point {
    pub x: f64,
    pub y: f64,
    /// What the point is, for its tooltip (`<title>`).
    pub label: String,
    /// A CSS class for its kind (e.g. `outcome-covered`).
    pub class: String,
}

/// A horizontal line across a chart at a value, with its name.
pub struct Rule {
    pub y: f64,
    pub label: String,
}

/// A scatter chart: x by date (fractional years), y on a log scale, rules
/// across it (thresholds).
pub struct Scatter<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub x_name: &'a str,
    pub y_name: &'a str,
    pub points: &'a [Point],
    pub rules: &'a [Rule],
}

/// A date as a fractional year, for [`Scatter`]'s x axis.
pub fn year_fraction(d: time::Date) -> f64 {
    let days = if time::util::is_leap_year(d.year()) {
        366.0
    } else {
        365.0
    };
    f64::from(d.year()) + f64::from(d.ordinal() - 1) / days
}

impl Scatter<'_> {
    pub fn svg(&self) -> String {
        let f = Frame {
            id: self.id.to_owned(),
            w: 760.0,
            h: 380.0,
            left: 64.0,
            right: 150.0,
            top: 30.0,
            bottom: 40.0,
        };
        let xs = self.points.iter().map(|p| p.x);
        let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        let (x0, x1) = if x0.is_finite() {
            (x0.floor(), (x1 - 1e-9).ceil().max(x0.floor() + 1.0))
        } else {
            (2020.0, 2026.0)
        };
        let ys = self
            .points
            .iter()
            .map(|p| p.y)
            .chain(self.rules.iter().map(|r| r.y))
            .filter(|v| *v > 0.0);
        let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        // A third of a decade either side: no point sits on the frame.
        let (y0, y1) = if y0.is_finite() {
            (y0 / 3.0, y1 * 3.0)
        } else {
            (1e20, 1e27)
        };
        let x = Scale::linear((x0, x1), (f.left, f.w - f.right));
        let y = Scale::log((y0, y1), (f.h - f.bottom, f.top));
        let mut out = String::new();
        f.open(&mut out, self.title, self.desc);
        let yt: Vec<(f64, String)> = y
            .ticks(6)
            .into_iter()
            .map(|v| (v, power_of_ten(v)))
            .collect();
        f.y_axis(&mut out, &y, &yt, self.y_name);
        let xt: Vec<(f64, String)> = x
            .ticks(8)
            .into_iter()
            .filter(|v| v.fract() == 0.0)
            .map(|v| (v, number(v)))
            .collect();
        f.x_axis(&mut out, &x, &xt, self.x_name);
        for r in self.rules {
            let py = c(y.at(r.y));
            let _ = write!(
                out,
                r#"<line class="chart-rule" x1="{}" y1="{py}" x2="{}" y2="{py}"/><text class="chart-rule-label" x="{}" y="{py}" dominant-baseline="middle">{}</text>"#,
                c(f.left),
                c(f.w - f.right),
                c(f.w - f.right + 6.0),
                escape(&r.label),
            );
        }
        for p in self.points {
            let _ = write!(
                out,
                r#"<circle class="chart-point {}" cx="{}" cy="{}" r="4"><title>{}</title></circle>"#,
                escape(&p.class),
                c(x.at(p.x)),
                c(y.at(p.y)),
                escape(&p.label),
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// One bar: its label, its value and the CSS class of its colour.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub class: String,
}

/// Horizontal bars, one row each, with the value written at the bar's end.
pub struct Bars<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub bars: &'a [Bar],
}

impl Bars<'_> {
    pub fn svg(&self) -> String {
        let row = 26.0;
        let f = Frame {
            id: self.id.to_owned(),
            w: 560.0,
            h: row * self.bars.len().max(1) as f64 + 8.0,
            left: 130.0,
            right: 60.0,
            top: 4.0,
            bottom: 4.0,
        };
        let most = self.bars.iter().map(|b| b.value).fold(0.0, f64::max);
        let x = Scale::linear(
            (0.0, if most > 0.0 { most } else { 1.0 }),
            (f.left, f.w - f.right),
        );
        let mut out = String::new();
        f.open(&mut out, self.title, self.desc);
        for (i, b) in self.bars.iter().enumerate() {
            let top = f.top + row * i as f64;
            let mid = c(top + row / 2.0);
            let end = x.at(b.value.max(0.0));
            let _ = write!(
                out,
                r#"<text class="chart-label" x="{}" y="{mid}" text-anchor="end" dominant-baseline="middle">{}</text><rect class="chart-bar {}" x="{}" y="{}" width="{}" height="{}"/><text class="chart-value" x="{}" y="{mid}" dominant-baseline="middle">{}</text>"#,
                c(f.left - 8.0),
                escape(&b.label),
                escape(&b.class),
                c(f.left),
                c(top + 4.0),
                c(end - f.left),
                c(row - 8.0),
                c(end + 6.0),
                number(b.value),
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// An estimate with its interval, for [`Intervals`].
pub struct Interval {
    pub label: String,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// Estimates in [0, 1] with their intervals as error bars, one row each.
pub struct Intervals<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub x_name: &'a str,
    pub rows: &'a [Interval],
}

impl Intervals<'_> {
    pub fn svg(&self) -> String {
        let row = 26.0;
        let f = Frame {
            id: self.id.to_owned(),
            w: 640.0,
            h: row * self.rows.len().max(1) as f64 + 52.0,
            left: 200.0,
            right: 24.0,
            top: 8.0,
            bottom: 44.0,
        };
        let x = Scale::linear((0.0, 1.0), (f.left, f.w - f.right));
        let mut out = String::new();
        f.open(&mut out, self.title, self.desc);
        let ticks: Vec<(f64, String)> = x.ticks(5).into_iter().map(|v| (v, number(v))).collect();
        for (v, _) in &ticks {
            let px = c(x.at(*v));
            let _ = write!(
                out,
                r#"<line class="chart-grid" x1="{px}" y1="{}" x2="{px}" y2="{}"/>"#,
                c(f.top),
                c(f.h - f.bottom),
            );
        }
        f.x_axis(&mut out, &x, &ticks, self.x_name);
        for (i, r) in self.rows.iter().enumerate() {
            let mid = c(f.top + row * i as f64 + row / 2.0);
            let (lo, hi) = (x.at(r.low.clamp(0.0, 1.0)), x.at(r.high.clamp(0.0, 1.0)));
            let _ = write!(
                out,
                r#"<text class="chart-label" x="{}" y="{mid}" text-anchor="end" dominant-baseline="middle">{}</text><line class="chart-errorbar" x1="{}" y1="{mid}" x2="{}" y2="{mid}"/><circle class="chart-estimate" cx="{}" cy="{mid}" r="5"><title>{}: {} ({} to {})</title></circle>"#,
                c(f.left - 8.0),
                escape(&r.label),
                c(lo),
                c(hi),
                c(x.at(r.estimate.clamp(0.0, 1.0))),
                escape(&r.label),
                number(r.estimate),
                number(r.low),
                number(r.high),
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// A named series of a [`Lines`] chart.
pub struct Series {
    pub name: String,
    pub class: String,
    pub values: Vec<f64>,
}

/// Series over the same categories (weeks), as lines with a point each.
pub struct Lines<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub y_name: &'a str,
    pub categories: &'a [String],
    pub series: &'a [Series],
}

impl Lines<'_> {
    pub fn svg(&self) -> String {
        let f = Frame {
            id: self.id.to_owned(),
            w: 760.0,
            h: 300.0,
            left: 56.0,
            right: 130.0,
            top: 30.0,
            bottom: 40.0,
        };
        let n = self.categories.len().max(1);
        let x = Scale::linear(
            (0.0, (n - 1).max(1) as f64),
            (f.left + 10.0, f.w - f.right - 10.0),
        );
        let most = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .fold(0.0, f64::max);
        let y = Scale::linear(
            (0.0, if most > 0.0 { most } else { 1.0 }),
            (f.h - f.bottom, f.top),
        );
        let mut out = String::new();
        f.open(&mut out, self.title, self.desc);
        let yt: Vec<(f64, String)> = y
            .ticks(5)
            .into_iter()
            .filter(|v| v.fract() == 0.0)
            .map(|v| (v, number(v)))
            .collect();
        f.y_axis(&mut out, &y, &yt, self.y_name);
        let every = n.div_ceil(8).max(1);
        let xt: Vec<(f64, String)> = self
            .categories
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, l)| (i as f64, l.clone()))
            .collect();
        f.x_axis(&mut out, &x, &xt, "");
        for (k, s) in self.series.iter().enumerate() {
            let pts: Vec<String> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{},{}", c(x.at(i as f64)), c(y.at(*v))))
                .collect();
            let _ = write!(
                out,
                r#"<polyline class="chart-line {cl}" points="{}"/>"#,
                pts.join(" "),
                cl = escape(&s.class),
            );
            for (i, v) in s.values.iter().enumerate() {
                let _ = write!(
                    out,
                    r#"<circle class="chart-dot {cl}" cx="{}" cy="{}" r="3"><title>{}, {}: {}</title></circle>"#,
                    c(x.at(i as f64)),
                    c(y.at(*v)),
                    escape(&s.name),
                    escape(self.categories.get(i).map_or("", String::as_str)),
                    number(*v),
                    cl = escape(&s.class),
                );
            }
            // The legend: a swatch and the series' name, right of the plot.
            let ly = f.top + 20.0 * k as f64;
            let _ = write!(
                out,
                r#"<line class="chart-line {cl}" x1="{}" y1="{ly}" x2="{}" y2="{ly}"/><text class="chart-label" x="{}" y="{ly}" dominant-baseline="middle">{}</text>"#,
                c(f.w - f.right + 8.0),
                c(f.w - f.right + 28.0),
                c(f.w - f.right + 34.0),
                escape(&s.name),
                cl = escape(&s.class),
                ly = c(ly),
            );
        }
        out.push_str("</svg>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_scale_maps_the_ends_and_the_middle() {
        let s = Scale::linear((0.0, 10.0), (100.0, 0.0));
        assert_eq!(s.at(0.0), 100.0);
        assert_eq!(s.at(10.0), 0.0);
        assert_eq!(s.at(5.0), 50.0);
    }

    #[test]
    fn a_log_scale_spaces_decades_evenly_and_widens_to_whole_decades() {
        let s = Scale::log((2e20, 3e26), (0.0, 700.0));
        assert_eq!(s.domain(), (1e20, 1e27));
        assert!((s.at(1e20) - 0.0).abs() < 1e-9);
        assert!((s.at(1e21) - 100.0).abs() < 1e-9);
        assert!((s.at(1e26) - 600.0).abs() < 1e-9);
        // Nothing to take a logarithm of: the start of the axis.
        assert_eq!(s.at(0.0), 0.0);
    }

    #[test]
    fn ticks_are_round_numbers_inside_the_domain() {
        assert_eq!(
            Scale::linear((0.0, 10.0), (0.0, 1.0)).ticks(5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(
            Scale::linear((0.0, 1.0), (0.0, 1.0)).ticks(5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(
            Scale::linear((2019.0, 2026.0), (0.0, 1.0)).ticks(8),
            vec![
                2019.0, 2020.0, 2021.0, 2022.0, 2023.0, 2024.0, 2025.0, 2026.0
            ]
        );
        assert_eq!(
            Scale::log((1e20, 1e27), (0.0, 1.0)).ticks(6),
            vec![1e20, 1e22, 1e24, 1e26]
        );
        assert_eq!(
            Scale::log((1e23, 1e26), (0.0, 1.0)).ticks(6),
            vec![1e23, 1e24, 1e25, 1e26]
        );
    }

    #[test]
    fn numbers_and_powers_read_as_people_write_them() {
        assert_eq!(number(0.6000000000000001), "0.6");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(-0.0), "0");
        assert_eq!(power_of_ten(1e24), "10²⁴");
        assert_eq!(power_of_ten(1e-3), "10⁻³");
    }

    #[test]
    fn labels_are_escaped_everywhere() {
        let bars = [Bar {
            label: "<script>\"x\" & 'y'".into(),
            value: 3.0,
            class: "sev-high\"><script>".into(),
        }];
        let svg = Bars {
            id: "b\"",
            title: "a <b>",
            desc: "c & d",
            bars: &bars,
        }
        .svg();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;"));
        assert!(svg.contains("<title id=\"b&quot;-title\">a &lt;b&gt;</title>"));
        assert!(svg.contains("<desc id=\"b&quot;-desc\">c &amp; d</desc>"));
        assert!(!svg.contains("style="), "no inline styles under the CSP");
    }

    #[test]
    fn a_scatter_puts_known_points_where_they_belong() {
        let points = [
            Point {
                x: 2020.0,
                y: 1e20,
                label: "first".into(),
                class: "outcome-covered".into(),
            },
            Point {
                x: 2026.0,
                y: 1e26,
                label: "last".into(),
                class: "outcome-notify".into(),
            },
        ];
        let rules = [Rule {
            y: 1e25,
            label: "eu 1e25".into(),
        }];
        let svg = Scatter {
            id: "s",
            title: "t",
            desc: "d",
            x_name: "year",
            y_name: "FLOP",
            points: &points,
            rules: &rules,
        }
        .svg();
        assert!(svg.starts_with("<svg "));
        assert!(svg.contains(r#"role="img""#));
        assert_eq!(svg.matches("<circle class=\"chart-point").count(), 2);
        // Plot area x 64..610; y 340..30 over 1e19..1e27 (the data padded
        // a third of a decade either side, widened to whole decades).
        let y = |decade: f64| format!("{:.1}", 340.0 - 310.0 * (decade - 19.0) / 8.0);
        let first = format!(r#"cx="64.0" cy="{}" r="4"><title>first</title>"#, y(20.0));
        assert!(svg.contains(&first), "{first} in {svg}");
        let last = format!(r#"cx="610.0" cy="{}" r="4"><title>last</title>"#, y(26.0));
        assert!(svg.contains(&last), "{last} in {svg}");
        let rule = format!(r#"<line class="chart-rule" x1="64.0" y1="{}""#, y(25.0));
        assert!(svg.contains(&rule), "{rule} in {svg}");
        assert!(svg.contains(">10²¹</text>"));
        assert!(svg.contains(">2023</text>"));
    }

    #[test]
    fn bars_are_as_long_as_their_values() {
        let bars = [
            Bar {
                label: "a".into(),
                value: 4.0,
                class: "x".into(),
            },
            Bar {
                label: "b".into(),
                value: 2.0,
                class: "y".into(),
            },
        ];
        let svg = Bars {
            id: "b",
            title: "t",
            desc: "d",
            bars: &bars,
        }
        .svg();
        // 370 units for the longest bar, half for half its value.
        assert!(svg.contains(r#"width="370.0""#), "{svg}");
        assert!(svg.contains(r#"width="185.0""#), "{svg}");
    }

    #[test]
    fn intervals_draw_an_error_bar_from_low_to_high() {
        let rows = [Interval {
            label: "Acme".into(),
            estimate: 0.5,
            low: 0.25,
            high: 0.75,
        }];
        let svg = Intervals {
            id: "i",
            title: "t",
            desc: "d",
            x_name: "share validated",
            rows: &rows,
        }
        .svg();
        // Plot area x 200..616: 0.25 at 304, 0.5 at 408, 0.75 at 512.
        assert!(
            svg.contains(r#"class="chart-errorbar" x1="304.0" y1="21.0" x2="512.0""#),
            "{svg}"
        );
        assert!(svg.contains(r#"cx="408.0""#));
        assert!(svg.contains("<title>Acme: 0.5 (0.25 to 0.75)</title>"));
    }

    #[test]
    fn lines_have_a_point_per_value_and_a_legend() {
        let cats = vec!["w1".to_owned(), "w2".to_owned(), "w3".to_owned()];
        let series = [
            Series {
                name: "reported".into(),
                class: "chart-a".into(),
                values: vec![1.0, 4.0, 2.0],
            },
            Series {
                name: "validated".into(),
                class: "chart-b".into(),
                values: vec![0.0, 1.0, 3.0],
            },
        ];
        let svg = Lines {
            id: "l",
            title: "t",
            desc: "d",
            y_name: "cases",
            categories: &cats,
            series: &series,
        }
        .svg();
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("class=\"chart-dot").count(), 6);
        assert!(svg.contains("<title>reported, w2: 4</title>"));
        // 4 is the top of the plot (y = 30), 0 its floor (y = 260).
        assert!(
            svg.contains(r#"cy="30.0" r="3"><title>reported, w2: 4"#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"cy="260.0" r="3"><title>validated, w1: 0"#),
            "{svg}"
        );
        assert!(svg.contains(">validated</text>"));
    }
}
