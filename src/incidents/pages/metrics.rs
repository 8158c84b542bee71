//! `/incidents/metrics`: KPIs over 30 and 90 days.

use super::*;

pub(super) fn percent(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "—".into())
}

pub(super) fn duration_or_dash(seconds: Option<i64>) -> String {
    seconds.map(|s| human_duration(s.max(0) as u64)).unwrap_or_else(|| "—".into())
}

#[component]
pub fn MetricsPage() -> impl IntoView {
    let metrics = Resource::new(|| (), |_| incident_metrics());
    view! {
        <Title text="Incident metrics" />
        <PageHeader title="Incident metrics" subtitle="Incidents declared in the last 30 and 90 days." />
        <IncidentsNav />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match metrics.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(periods) => {
                        view! {
                            <div class="cards">
                                {periods.into_iter().map(|k| view! { <KpiCard k /> }).collect_view()}
                            </div>
                            <p class="hint">
                                "MTTA: declaration → first response. MTTR: start → resolution. SLA compliance counts clocks that are decided (met or breached). MTBF: the period's time outside incidents divided by the number of incidents."
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
pub(super) fn KpiCard(k: Kpis) -> impl IntoView {
    let heading = format!("Last {} days", k.days);
    view! {
        <section class="card kpis" data-days=k.days.to_string()>
            <h2>{heading}</h2>
            <dl class="facts">
                <dt>"Incidents"</dt>
                <dd data-kpi="total">{k.total}</dd>
                {k
                    .by_severity
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        view! {
                            <dt>{format!("Sev{}", i + 1)}</dt>
                            <dd>{*n}</dd>
                        }
                    })
                    .collect_view()}
                <dt>"MTTA"</dt>
                <dd data-kpi="mtta">{duration_or_dash(k.mtta_s)}</dd>
                <dt>"MTTR"</dt>
                <dd data-kpi="mttr">{duration_or_dash(k.mttr_s)}</dd>
                <dt>"Response SLA met"</dt>
                <dd data-kpi="response">{percent(k.response_compliance)}</dd>
                <dt>"Resolution SLA met"</dt>
                <dd data-kpi="resolution">{percent(k.resolution_compliance)}</dd>
                <dt>"MTBF"</dt>
                <dd data-kpi="mtbf">{duration_or_dash(k.mtbf_s)}</dd>
            </dl>
        </section>
    }
}
