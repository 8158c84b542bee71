//! A monitor's charts (response time, its health document's services, daily uptime) with the
//! numbers beside them, and the list's sparklines.

use super::percent;
use crate::monitors::model::{ChartSummary, DayUptime, ServiceSummary};
use leptos::prelude::*;

const RANGES: [(&str, &str); 5] = [("1h", "1 h"), ("24h", "24 h"), ("7d", "7 d"), ("30d", "30 d"), ("90d", "90 d")];

/// Response time and daily uptime as SVG (light or dark as the reader's system is), with the
/// numbers beside them and the days as a table for screen readers and terminals.
#[component]
pub(super) fn Charts(
    id: i64,
    summary: ChartSummary,
    days: Vec<DayUptime>,
    services: Vec<ServiceSummary>,
) -> impl IntoView {
    let range = RwSignal::new("24h");
    let ms = |v: Option<f64>| v.map(|v| format!("{v:.0} ms")).unwrap_or_else(|| "–".into());
    view! {
        <section class="card wide" aria-labelledby="charts-heading">
            <h2 id="charts-heading">"Response time and uptime"</h2>
            <div class="actions" role="group" aria-label="Chart range">
                {RANGES
                    .into_iter()
                    .map(|(value, label)| {
                        view! {
                            <button
                                type="button"
                                class="secondary"
                                aria-pressed=move || (range.get() == value).to_string()
                                on:click=move |_| range.set(value)
                            >
                                {label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <ChartPicture id kind="response" range describe="Response time (p50 and p95)" height=260 />
            <p class="chart-summary">
                {format!(
                    "Last 24 h: {} checks, {} up, p50 from {} (avg {}), p95 at most {}.",
                    summary.checks,
                    percent(summary.uptime),
                    ms(summary.p50_min_ms),
                    ms(summary.p50_avg_ms),
                    ms(summary.p95_max_ms),
                )}
            </p>
            {(!services.is_empty())
                .then(|| {
                    view! {
                        <ChartPicture id kind="services" range describe="Response time of each service" height=240 />
                        <ul class="chart-summary services">
                            {services
                                .into_iter()
                                .map(|s| {
                                    view! {
                                        <li>
                                            {format!(
                                                "{}: {} checks, unhealthy in {}, avg {}, max {} (last 24 h)",
                                                s.name,
                                                s.checks,
                                                s.unhealthy,
                                                ms(s.avg_ms),
                                                ms(s.max_ms),
                                            )}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            <ChartPicture id kind="uptime" range describe="Uptime per day" height=120 />
            <details>
                <summary>"Uptime per day (table)"</summary>
                <table class="list">
                    <thead>
                        <tr>
                            <th scope="col">"Day (UTC)"</th>
                            <th scope="col">"Checks"</th>
                            <th scope="col">"Up"</th>
                            <th scope="col">"Down checks"</th>
                            <th scope="col">"In maintenance"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {days
                            .into_iter()
                            .rev()
                            .map(|d| {
                                view! {
                                    <tr>
                                        <td>{d.day.to_string()}</td>
                                        <td>{d.checks}</td>
                                        <td>{percent(d.uptime)}</td>
                                        <td>{d.down}</td>
                                        <td>{d.in_maintenance}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
    }
}

/// One chart at its stable URL, dark when the reader's system is; `describe` says what it
/// shows, the range is added.
#[component]
fn ChartPicture(
    id: i64,
    kind: &'static str,
    range: RwSignal<&'static str>,
    describe: &'static str,
    height: u32,
) -> impl IntoView {
    let src = move |theme: &str| format!("/monitors/{id}/chart.svg?kind={kind}&range={}&theme={theme}", range.get());
    view! {
        <picture>
            <source media="(prefers-color-scheme: dark)" srcset=move || src("dark") />
            <img
                class="chart"
                src=move || src("light")
                alt=move || format!("{describe} over {}", range.get())
                width="720"
                height=height.to_string()
            />
        </picture>
    }
}

/// The last 24 hours' median response times as a small line; hours without checks are gaps.
#[component]
pub(super) fn Sparkline(points: Vec<Option<f64>>) -> impl IntoView {
    const WIDTH: f64 = 96.0;
    const HEIGHT: f64 = 24.0;
    let known: Vec<f64> = points.iter().flatten().copied().collect();
    let (Some(low), Some(high)) = (known.iter().copied().reduce(f64::min), known.iter().copied().reduce(f64::max))
    else {
        return view! { <span class="hint">"–"</span> }.into_any();
    };
    let step = WIDTH / (points.len().max(2) - 1) as f64;
    let y = |ms: f64| HEIGHT - 2.0 - (ms - low) / (high - low).max(1.0) * (HEIGHT - 4.0);
    // One polyline per run of hours with checks, so a gap shows as a gap.
    let runs: Vec<String> = points
        .split(Option::is_none)
        .scan(0usize, |start, run| {
            let first = *start;
            *start += run.len() + 1;
            Some((first, run))
        })
        .filter(|(_, run)| !run.is_empty())
        .map(|(first, run)| {
            run.iter()
                .enumerate()
                .map(|(i, ms)| format!("{:.1},{:.1}", (first + i) as f64 * step, y(ms.unwrap_or(low))))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let label = format!("Median response over the last 24 hours: {low:.0} to {high:.0} ms");
    view! {
        <svg
            class="sparkline"
            role="img"
            aria-label=label
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            width=WIDTH.to_string()
            height=HEIGHT.to_string()
        >
            {runs
                .into_iter()
                .map(|run| {
                    view! { <polyline points=run fill="none" stroke="currentColor" stroke-width="1.5"></polyline> }
                })
                .collect_view()}
        </svg>
    }
    .into_any()
}
