//! The monitors' charts, drawn on the server with plotters as SVG: response time (p50 and p95)
//! over a band of the state, a line per health-document service, the caches' hit rate and
//! latency, each time chart annotated with maintenance (shaded), incidents (declared →
//! resolved) and flag changes; and uptime bars, one per day. The font is embedded (DejaVu Sans,
//! `assets/fonts/`) so a chart renders the same on any machine.

use super::model::CacheRules;
use super::model::{ChartSummary, ServiceSummary};
use super::store::caches::CachePoint;
use super::store::rollups::{Bucket, BucketSize, ServicePoint};
use chrono::{DateTime, Duration, Utc};
use plotters::coord::types::{RangedCoordf64, RangedCoordi64};
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::sync::Once;

const WIDTH: u32 = 720;
const FONT: &str = "sans-serif";

crate::text_enum!(
    /// How far back a chart looks.
    ChartRange("range") {
        Hour = "1h" / "1 hour",
        Day = "24h" / "24 hours",
        Week = "7d" / "7 days",
        Month = "30d" / "30 days",
        Quarter = "90d" / "90 days",
    }
);

impl ChartRange {
    pub fn span(self) -> Duration {
        match self {
            ChartRange::Hour => Duration::hours(1),
            ChartRange::Day => Duration::hours(24),
            ChartRange::Week => Duration::days(7),
            ChartRange::Month => Duration::days(30),
            ChartRange::Quarter => Duration::days(90),
        }
    }

    /// The rollup that fits: never more buckets than the chart has room for, after downsampling.
    pub fn bucket_size(self) -> BucketSize {
        match self {
            ChartRange::Hour | ChartRange::Day => BucketSize::Minute,
            ChartRange::Week | ChartRange::Month => BucketSize::Hour,
            ChartRange::Quarter => BucketSize::Day,
        }
    }
}

/// Colours for a light or a dark page.
pub struct Theme {
    background: RGBColor,
    text: RGBColor,
    grid: RGBColor,
    p50: RGBColor,
    p95: RGBColor,
    up: RGBColor,
    degraded: RGBColor,
    down: RGBColor,
    idle: RGBColor,
    flag: RGBColor,
}

impl Theme {
    pub fn named(dark: bool) -> Self {
        if dark {
            Theme {
                background: RGBColor(0x16, 0x1b, 0x22),
                text: RGBColor(0xe6, 0xed, 0xf3),
                grid: RGBColor(0x30, 0x36, 0x3d),
                p50: RGBColor(0x58, 0xa6, 0xff),
                p95: RGBColor(0xf0, 0x88, 0x3e),
                up: RGBColor(0x3f, 0xb9, 0x50),
                degraded: RGBColor(0xd2, 0x99, 0x22),
                down: RGBColor(0xf8, 0x51, 0x49),
                idle: RGBColor(0x6e, 0x76, 0x81),
                flag: RGBColor(0xbc, 0x8c, 0xff),
            }
        } else {
            Theme {
                background: RGBColor(0xff, 0xff, 0xff),
                text: RGBColor(0x1f, 0x23, 0x28),
                grid: RGBColor(0xd0, 0xd7, 0xde),
                p50: RGBColor(0x09, 0x69, 0xda),
                p95: RGBColor(0xbc, 0x4c, 0x00),
                up: RGBColor(0x1a, 0x7f, 0x37),
                degraded: RGBColor(0x9a, 0x67, 0x00),
                down: RGBColor(0xcf, 0x22, 0x2e),
                idle: RGBColor(0x8c, 0x95, 0x9f),
                flag: RGBColor(0x82, 0x50, 0xdf),
            }
        }
    }
}

/// What happened around the checks in a chart's range, drawn on every time chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotations {
    /// Maintenance windows, start to end (or now).
    pub maintenance: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Incidents, started to resolved (or now).
    pub incidents: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// When a flag changed (a new version).
    pub flag_changes: Vec<DateTime<Utc>>,
}

fn font() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        register_font(FONT, FontStyle::Normal, include_bytes!("../../assets/fonts/DejaVuSans.ttf"))
            .unwrap_or_else(|_| panic!("the embedded font parses"));
    });
}

/// An SVG chart `height` pixels high on the theme's background, drawn by `draw`.
fn drawn(
    height: u32,
    theme: &Theme,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<String, String> {
    font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&theme.background).map_err(|e| e.to_string())?;
        draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Merges neighbouring buckets until at most `max` are left (worst state and largest times win).
pub fn downsample(buckets: &[Bucket], max: usize) -> Vec<Bucket> {
    if buckets.len() <= max || max == 0 {
        return buckets.to_vec();
    }
    let per = buckets.len().div_ceil(max);
    buckets
        .chunks(per)
        .map(|group| Bucket {
            at: group[0].at,
            checks: group.iter().map(|b| b.checks).sum(),
            up: group.iter().map(|b| b.up).sum(),
            degraded: group.iter().map(|b| b.degraded).sum(),
            down: group.iter().map(|b| b.down).sum(),
            in_maintenance: group.iter().map(|b| b.in_maintenance).sum(),
            p50_ms: group.iter().filter_map(|b| b.p50_ms).reduce(f64::max),
            p95_ms: group.iter().filter_map(|b| b.p95_ms).reduce(f64::max),
            max_ms: group.iter().filter_map(|b| b.max_ms).max(),
        })
        .collect()
}

/// The numbers a chart of `buckets` shows.
pub fn summarise(buckets: &[Bucket]) -> ChartSummary {
    let p50: Vec<f64> = buckets.iter().filter_map(|b| b.p50_ms).collect();
    let counted: i64 = buckets.iter().map(|b| i64::from(b.up + b.degraded + b.down)).sum();
    let good: f64 = buckets.iter().map(|b| f64::from(b.up) + 0.5 * f64::from(b.degraded)).sum();
    ChartSummary {
        checks: buckets.iter().map(|b| i64::from(b.checks)).sum(),
        uptime: (counted > 0).then(|| 100.0 * good / counted as f64),
        p50_min_ms: p50.iter().copied().reduce(f64::min),
        p50_avg_ms: (!p50.is_empty()).then(|| p50.iter().sum::<f64>() / p50.len() as f64),
        p95_max_ms: buckets.iter().filter_map(|b| b.p95_ms).reduce(f64::max),
    }
}

/// Each service's numbers over `points`, by name.
pub fn summarise_services(points: &[ServicePoint]) -> Vec<ServiceSummary> {
    let mut names: Vec<&str> = points.iter().map(|p| p.service.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let mine: Vec<&ServicePoint> = points.iter().filter(|p| p.service == name).collect();
            let timed: Vec<(f64, i64)> =
                mine.iter().filter_map(|p| p.avg_ms.map(|ms| (ms, i64::from(p.checks)))).collect();
            let timed_checks: i64 = timed.iter().map(|(_, n)| n).sum();
            ServiceSummary {
                name: name.to_owned(),
                checks: mine.iter().map(|p| i64::from(p.checks)).sum(),
                unhealthy: mine.iter().map(|p| i64::from(p.unhealthy)).sum(),
                avg_ms: (timed_checks > 0)
                    .then(|| timed.iter().map(|(ms, n)| ms * *n as f64).sum::<f64>() / timed_checks as f64),
                max_ms: mine.iter().filter_map(|p| p.max_ms).reduce(f64::max),
            }
        })
        .collect()
}

fn state_colour(bucket: &Bucket, theme: &Theme) -> RGBColor {
    if bucket.down > 0 {
        theme.down
    } else if bucket.degraded > 0 {
        theme.degraded
    } else if bucket.up > 0 {
        theme.up
    } else {
        theme.idle
    }
}

fn time_label(at: i64, range: ChartRange) -> String {
    let at = DateTime::<Utc>::from_timestamp(at, 0).unwrap_or_default();
    match range {
        ChartRange::Hour | ChartRange::Day => at.format("%H:%M").to_string(),
        _ => at.format("%m-%d").to_string(),
    }
}

type TimeChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordi64, RangedCoordf64>>;

/// A chart over `from..to` (UNIX seconds) and `0..top` in `unit`, its mesh drawn: what the
/// response-time and cache charts share.
fn time_chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    (from, to): (i64, i64),
    top: f64,
    (range, unit): (ChartRange, &str),
    theme: &Theme,
) -> Result<TimeChart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .x_label_area_size(22)
        .y_label_area_size(52)
        .build_cartesian_2d(from..to, 0.0..top)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(theme.grid.mix(0.4))
        .bold_line_style(theme.grid)
        .axis_style(theme.grid)
        .label_style((FONT, 11).into_font().color(&theme.text))
        .x_labels(7)
        .y_labels(5)
        .x_label_formatter(&|x| time_label(*x, range))
        .y_label_formatter(&|y| format!("{y:.0} {unit}"))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// The legend of the series drawn so far, at `position`.
fn legend<'a, 'b: 'a>(
    chart: &mut TimeChart<'a, 'b>,
    position: SeriesLabelPosition,
    theme: &Theme,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(theme.background.mix(0.8))
        .border_style(theme.grid)
        .label_font((FONT, 11).into_font().color(&theme.text))
        .draw()
        .map_err(|e| e.to_string())
}

/// Draws the annotations on `chart` (over `from..to`, up to `top`), each kind in the legend
/// when there is one of it: maintenance shaded grey, incidents shaded red, flag changes as
/// violet lines.
fn annotate(
    chart: &mut TimeChart<'_, '_>,
    notes: &Annotations,
    (from, to): (i64, i64),
    top: f64,
    theme: &Theme,
) -> Result<(), String> {
    let spans = |list: &[(DateTime<Utc>, DateTime<Utc>)]| -> Vec<(i64, i64)> {
        list.iter()
            .map(|(start, end)| (start.timestamp().max(from), end.timestamp().min(to)))
            .filter(|(start, end)| start <= end)
            .collect()
    };
    for (label, colour, list) in [
        ("maintenance", theme.idle.mix(0.25), spans(&notes.maintenance)),
        ("incident", theme.down.mix(0.12), spans(&notes.incidents)),
    ] {
        if list.is_empty() {
            continue;
        }
        chart
            .draw_series(
                list.into_iter().map(|(start, end)| Rectangle::new([(start, 0.0), (end, top)], colour.filled())),
            )
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], colour.filled()));
    }
    let changes: Vec<i64> =
        notes.flag_changes.iter().map(DateTime::timestamp).filter(|at| (from..=to).contains(at)).collect();
    if !changes.is_empty() {
        let colour = theme.flag;
        chart
            .draw_series(
                changes.into_iter().map(|at| PathElement::new(vec![(at, 0.0), (at, top)], colour.stroke_width(1))),
            )
            .map_err(|e| e.to_string())?
            .label("flag change")
            .legend(move |(x, y)| PathElement::new(vec![(x + 8, y - 6), (x + 8, y + 6)], colour.stroke_width(2)));
    }
    Ok(())
}

/// Response time: p50 and p95 lines, the 0 ms floor, the annotations, the state as a band
/// beneath. Times are UTC.
pub fn response_time(
    buckets: &[Bucket],
    notes: &Annotations,
    range: ChartRange,
    now: DateTime<Utc>,
    theme: &Theme,
) -> Result<String, String> {
    let buckets = downsample(buckets, (WIDTH / 2) as usize);
    let (from, to) = ((now - range.span()).timestamp(), now.timestamp());
    let top = buckets.iter().filter_map(|b| b.p95_ms.or(b.p50_ms)).fold(10.0_f64, f64::max) * 1.15;
    drawn(260, theme, |root| {
        let (plot, band) = root.split_vertically(228);
        let mut chart = time_chart(&plot, (from, to), top, (range, "ms"), theme)?;
        annotate(&mut chart, notes, (from, to), top, theme)?;
        for (label, colour, pick) in [
            ("p50", theme.p50, (|b: &Bucket| b.p50_ms) as fn(&Bucket) -> Option<f64>),
            ("p95", theme.p95, |b: &Bucket| b.p95_ms),
        ] {
            chart
                .draw_series(LineSeries::new(
                    buckets.iter().filter_map(|b| pick(b).map(|ms| (b.at.timestamp(), ms))),
                    colour.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, theme)?;
        // The state band: one cell per bucket, on the same time axis (60 px of labels on the left).
        let band = band.margin(4, 8, 60, 8);
        let mut cells = ChartBuilder::on(&band).build_cartesian_2d(from..to, 0..1).map_err(|e| e.to_string())?;
        let step = buckets.windows(2).map(|w| (w[1].at - w[0].at).num_seconds()).min().unwrap_or(60).max(1);
        cells
            .draw_series(buckets.iter().map(|b| {
                let start = b.at.timestamp().max(from);
                Rectangle::new([(start, 0), ((start + step).min(to), 1)], state_colour(b, theme).filled())
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// One bar per day, as tall as its uptime (from 90 % up), coloured by it (99.9 % and over
/// green, 99 % and over amber, below red); grey for maintenance-only or unchecked days.
pub fn uptime_bars(days: &[Bucket], count: i64, today: DateTime<Utc>, theme: &Theme) -> Result<String, String> {
    let first = today.date_naive() - chrono::Days::new((count - 1).max(0) as u64);
    drawn(120, theme, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(20)
            .y_label_area_size(52)
            .build_cartesian_2d(0.0..count as f64, 90.0..100.0)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(theme.grid.mix(0.3))
            .bold_line_style(theme.grid)
            .axis_style(theme.grid)
            .label_style((FONT, 11).into_font().color(&theme.text))
            .x_labels(6)
            .y_labels(3)
            .x_label_formatter(&|i| (first + chrono::Days::new(i.max(0.0) as u64)).format("%m-%d").to_string())
            .y_label_formatter(&|y| format!("{y:.0} %"))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(days.iter().filter_map(|day| {
                let index = (day.at.date_naive() - first).num_days();
                (0..count).contains(&index).then(|| {
                    let height = day.uptime().unwrap_or(100.0).max(90.0);
                    let colour = match day.uptime() {
                        None => theme.idle,
                        Some(u) if u >= 99.9 => theme.up,
                        Some(u) if u >= 99.0 => theme.degraded,
                        Some(_) => theme.down,
                    };
                    // A gap between days, so each bar reads as its own.
                    let x = index as f64;
                    Rectangle::new([(x + 0.12, 90.0), (x + 0.88, height)], colour.filled())
                })
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// A cache: hit rate (0–100 %) with its threshold drawn, and average latency with its
/// threshold drawn, one above the other on the same time axis.
pub fn cache(
    points: &[CachePoint],
    rules: &CacheRules,
    notes: &Annotations,
    range: ChartRange,
    now: DateTime<Utc>,
    theme: &Theme,
) -> Result<String, String> {
    let (from, to) = ((now - range.span()).timestamp(), now.timestamp());
    let top_ms = points.iter().filter_map(|p| p.latency_avg_ms).fold(rules.max_latency_ms, f64::max) * 1.2;
    drawn(360, theme, |root| {
        let (upper, lower) = root.split_vertically(180);
        let (down, line) = (theme.down, theme.p50);
        for (area, label, top, threshold, pick, unit) in [
            (
                &upper,
                "hit rate",
                100.0,
                rules.min_hit_rate,
                (|p: &CachePoint| p.hit_rate) as fn(&CachePoint) -> Option<f64>,
                "%",
            ),
            (&lower, "latency", top_ms, rules.max_latency_ms, |p: &CachePoint| p.latency_avg_ms, "ms"),
        ] {
            let mut chart = time_chart(area, (from, to), top, (range, unit), theme)?;
            annotate(&mut chart, notes, (from, to), top, theme)?;
            chart
                .draw_series(LineSeries::new([(from, threshold), (to, threshold)], theme.down.stroke_width(1)))
                .map_err(|e| e.to_string())?
                .label(format!("threshold {threshold:.0} {unit}"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], down.stroke_width(1)));
            chart
                .draw_series(LineSeries::new(
                    points.iter().filter_map(|p| pick(p).map(|v| (p.at.timestamp(), v))),
                    theme.p50.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], line.stroke_width(2)));
            legend(&mut chart, SeriesLabelPosition::LowerLeft, theme)?;
        }
        Ok(())
    })
}

/// A health document's services: a line per service (average response time per bucket), a
/// cross where the service was unhealthy, the annotations.
pub fn services(
    points: &[ServicePoint],
    notes: &Annotations,
    range: ChartRange,
    now: DateTime<Utc>,
    theme: &Theme,
) -> Result<String, String> {
    let (from, to) = ((now - range.span()).timestamp(), now.timestamp());
    let top = points.iter().filter_map(|p| p.avg_ms).fold(10.0_f64, f64::max) * 1.15;
    let mut names: Vec<&str> = points.iter().map(|p| p.service.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let palette = [theme.p50, theme.p95, theme.flag, theme.up, theme.degraded, theme.idle];
    drawn(240, theme, |root| {
        let mut chart = time_chart(root, (from, to), top, (range, "ms"), theme)?;
        annotate(&mut chart, notes, (from, to), top, theme)?;
        for (i, name) in names.iter().enumerate() {
            let colour = palette[i % palette.len()];
            let mine: Vec<&ServicePoint> = points.iter().filter(|p| p.service == *name).collect();
            let step = (mine.len() / (WIDTH as usize / 2)).max(1);
            chart
                .draw_series(LineSeries::new(
                    mine.iter().step_by(step).filter_map(|p| p.avg_ms.map(|ms| (p.at.timestamp(), ms))),
                    colour.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(name.to_string())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
            let down = theme.down;
            chart
                .draw_series(
                    mine.iter()
                        .filter(|p| p.unhealthy > 0)
                        .map(|p| Cross::new((p.at.timestamp(), p.avg_ms.unwrap_or(0.0)), 4, down.stroke_width(2))),
                )
                .map_err(|e| e.to_string())?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, theme)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(minutes_ago: i64, p50: f64, down: i32, now: DateTime<Utc>) -> Bucket {
        Bucket {
            at: now - Duration::minutes(minutes_ago),
            checks: 1,
            up: 1 - down,
            degraded: 0,
            down,
            in_maintenance: 0,
            p50_ms: Some(p50),
            p95_ms: Some(p50 * 2.0),
            max_ms: Some((p50 * 3.0) as i32),
        }
    }

    #[test]
    fn downsampling_keeps_the_worst() {
        let now = Utc::now();
        let buckets: Vec<Bucket> =
            (0..1440).rev().map(|m| bucket(m, 10.0 + (m % 7) as f64, i32::from(m == 500), now)).collect();
        let small = downsample(&buckets, 360);
        assert_eq!(small.len(), 360);
        assert_eq!(small.iter().map(|b| b.checks).sum::<i32>(), 1440);
        assert_eq!(small.iter().filter(|b| b.down > 0).count(), 1);
        assert_eq!(small.iter().filter_map(|b| b.p95_ms).fold(0.0, f64::max), 32.0);
    }

    #[test]
    fn service_summaries_weigh_each_bucket_by_its_checks() {
        let at = Utc::now();
        let point = |service: &str, checks, unhealthy, avg_ms: Option<f64>| ServicePoint {
            service: service.to_owned(),
            at,
            checks,
            unhealthy,
            avg_ms,
            max_ms: avg_ms.map(|ms| ms * 2.0),
        };
        let summary = summarise_services(&[
            point("redis", 3, 0, Some(10.0)),
            point("database", 1, 1, None),
            point("redis", 1, 1, Some(30.0)),
        ]);
        assert_eq!(summary.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["database", "redis"]);
        assert_eq!((summary[0].checks, summary[0].unhealthy, summary[0].avg_ms), (1, 1, None));
        assert_eq!(
            (summary[1].checks, summary[1].unhealthy, summary[1].avg_ms, summary[1].max_ms),
            (4, 1, Some(15.0), Some(60.0))
        );
    }

    #[test]
    fn summaries() {
        let now = Utc::now();
        let s = summarise(&[bucket(2, 10.0, 0, now), bucket(1, 30.0, 1, now)]);
        assert_eq!(
            (s.checks, s.uptime, s.p50_min_ms, s.p50_avg_ms, s.p95_max_ms),
            (2, Some(50.0), Some(10.0), Some(20.0), Some(60.0))
        );
        assert_eq!(summarise(&[]).uptime, None);
    }
}
