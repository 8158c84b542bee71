//! `/monitors`, `/monitors/new` and `/monitors/:id`. Everyone reads; pm and support may pause and
//! resume; the owner adds, edits and removes.

mod alerts;
mod caches;
mod charts;
mod form;

pub use alerts::AlertsPage;
pub use caches::CachesPage;

use super::api::{channel_names, list_monitors, monitor_detail, DeleteMonitor, MonitorPageData, PauseMonitor};
use super::model::{MonitorDraft, MonitorKind, MonitorState, MonitorView};
use crate::auth::access::can;
use crate::auth::model::Permission;
use crate::error::AppError;
use crate::ui::{last_error, ErrorPanel, FormError, PageHeader, Timestamp};
use charts::{Charts, Sparkline};
use form::MonitorForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

pub(super) fn state_class(state: MonitorState) -> &'static str {
    match state {
        MonitorState::Up => "state up",
        MonitorState::Degraded => "state degraded",
        MonitorState::Down => "state down",
        MonitorState::Pending | MonitorState::Paused => "state idle",
    }
}

/// Where a monitor's alerts go and what a long outage does, in a sentence.
fn alerting_text(alerting: &super::model::Alerting) -> String {
    let mut text = match &alerting.channels {
        None => "default routing".to_owned(),
        Some(names) if names.is_empty() => "to nobody (no channel chosen)".to_owned(),
        Some(names) => format!("only to {}", names.join(", ")),
    };
    if let Some(every) = alerting.reminder_s {
        text.push_str(&format!("; reminded every {} while down", crate::ui::human_duration(every.into())));
    }
    if let Some(rule) = alerting.incident {
        text.push_str(&format!(
            "; a {} incident after {} down",
            rule.severity.label(),
            crate::ui::human_duration(rule.after_s.into())
        ));
    }
    text
}

pub(super) fn percent(value: Option<f64>) -> String {
    value.map(|u| format!("{u:.2} %")).unwrap_or_else(|| "–".into())
}

fn milliseconds(value: Option<u32>) -> String {
    value.map(|ms| format!("{ms} ms")).unwrap_or_else(|| "–".into())
}

#[component]
pub fn MonitorsPage() -> impl IntoView {
    let monitors = Resource::new(|| (), |_| list_monitors());
    view! {
        <Title text="Monitors" />
        <PageHeader title="Monitors" subtitle="What Pitwall checks, and how it stands now." />
        <Show when=move || can(Permission::ManageMonitors)>
            <p>
                <a class="button" href="/monitors/new">
                    "Add a monitor"
                </a>
            </p>
        </Show>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match monitors.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No monitors yet."</p> }.into_any(),
                    Ok(list) => view! { <MonitorTable list /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The monitors, filtered by state and by a part of the name as the reader types.
#[component]
fn MonitorTable(list: Vec<MonitorView>) -> impl IntoView {
    let state = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let list = StoredValue::new(list);
    let shown = move || {
        let (state, name) = (state.get(), name.get().to_lowercase());
        list.get_value()
            .into_iter()
            .filter(|m| state.is_empty() || m.state.as_str() == state)
            .filter(|m| name.is_empty() || m.name.to_lowercase().contains(&name))
            .collect::<Vec<_>>()
    };
    view! {
        <div class="filters" role="search" aria-label="Filter monitors">
            <label>
                "State "
                <select
                    name="state"
                    prop:value=move || state.get()
                    on:change=move |ev| state.set(event_target_value(&ev))
                >
                    <option value="">"All"</option>
                    {MonitorState::ALL
                        .iter()
                        .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>"Name " <input type="search" name="q" bind:value=name placeholder="part of a name" /></label>
        </div>
        <table class="list monitors">
            <thead>
                <tr>
                    <th scope="col">"Monitor"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Up (24 h / 30 d)"</th>
                    <th scope="col">"Response"</th>
                    <th scope="col">"Last 24 h"</th>
                    <th scope="col">"Last result"</th>
                </tr>
            </thead>
            <tbody>
                {move || {
                    shown()
                        .into_iter()
                        .map(|m| {
                            view! {
                                <tr>
                                    <td>
                                        <a href=format!("/monitors/{}", m.id)>{m.name.clone()}</a>
                                    </td>
                                    <td>{m.kind.label()}</td>
                                    <td>
                                        <span class=state_class(m.state)>{m.state.label()}</span>
                                    </td>
                                    <td>{format!("{} / {}", percent(m.uptime_24h), percent(m.uptime_30d))}</td>
                                    <td>{milliseconds(m.last_response_ms)}</td>
                                    <td>
                                        <Sparkline points=m.sparkline_24h.clone() />
                                    </td>
                                    <td>{m.last_message.clone()}</td>
                                </tr>
                            }
                        })
                        .collect_view()
                }}
            </tbody>
        </table>
        <p class="hint" aria-live="polite">
            {move || {
                let (shown, all) = (shown().len(), list.with_value(Vec::len));
                if shown == all { String::new() } else { format!("{shown} of {all} monitors shown.") }
            }}
        </p>
    }
}

#[component]
pub fn NewMonitorPage() -> impl IntoView {
    let channels = Resource::new(|| (), |_| channel_names());
    view! {
        <Title text="Add a monitor" />
        <PageHeader title="Add a monitor" />
        <Show
            when=move || can(Permission::ManageMonitors)
            fallback=|| view! { <ErrorPanel error=AppError::Forbidden /> }
        >
            <Suspense fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match channels.await {
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        Ok(channels) => {
                            view! { <MonitorForm id=None draft=MonitorDraft::default() channels /> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </Show>
    }
}

#[component]
pub fn MonitorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let reload = RwSignal::new(0u32);
    let detail = Resource::new(
        move || (id(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => monitor_detail(id).await,
                None => Err(AppError::not_found("Monitor")),
            }
        },
    );
    view! {
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(detail) => view! { <MonitorBody detail reload /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MonitorBody(detail: MonitorPageData, reload: RwSignal<u32>) -> impl IntoView {
    let MonitorPageData { monitor: m, results, events, draft, channel_names, summary_24h, days, services_24h } = detail;
    let pause = ServerAction::<PauseMonitor>::new();
    crate::ui::reload_on_success(pause.value(), reload);
    let pause_error = last_error(pause.value());
    let remove = ServerAction::<DeleteMonitor>::new();
    let remove_error = last_error(remove.value());
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get() {
            use_navigate()("/monitors", Default::default());
        }
    });
    let id = m.id;
    let paused = m.paused;
    let title = crate::ui::title_text(&m.name);
    view! {
        <Title text=title />
        <header class="page-header">
            <h1>{m.name.clone()}</h1>
            <p class="subtitle">
                <span class=state_class(m.state)>{m.state.label()}</span>
                " since "
                <Timestamp at=m.state_since />
            </p>
        </header>
        <section class="card" aria-labelledby="monitor-facts">
            <h2 id="monitor-facts">"Monitor"</h2>
            <dl class="facts">
                <dt>"Kind"</dt>
                <dd>{m.kind.label()}</dd>
                {(m.kind != MonitorKind::Push)
                    .then(|| {
                        view! {
                            <dt>"Target"</dt>
                            <dd>
                                <code>{m.target.clone()}</code>
                            </dd>
                        }
                    })}
                {m
                    .push_path
                    .clone()
                    .map(|path| {
                        view! {
                            <dt>"Push URL"</dt>
                            <dd>
                                <code>{format!("POST {path}?status=up&msg=OK")}</code>
                                <p class="hint">
                                    "With a token holding monitors:push; silence past the interval and grace makes it down."
                                </p>
                            </dd>
                        }
                    })}
                <dt>"Every"</dt>
                <dd>{crate::ui::human_duration(m.interval_s.into())}</dd>
                <dt>"Conditions"</dt>
                <dd>
                    {if m.conditions.is_empty() {
                        "the kind's default".into_any()
                    } else {
                        view! {
                            <ul class="conditions">
                                {m
                                    .conditions
                                    .iter()
                                    .map(|c| {
                                        view! {
                                            <li>
                                                <code>{c.clone()}</code>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }}
                </dd>
                <dt>"Thresholds"</dt>
                <dd>
                    {format!(
                        "down after {} failures, up after {} successes",
                        m.thresholds.failures,
                        m.thresholds.successes,
                    )}
                </dd>
                <dt>"Alerts"</dt>
                <dd>{alerting_text(&m.alerting)}</dd>
                {m
                    .incident_id
                    .map(|incident| {
                        view! {
                            <dt>"Incident"</dt>
                            <dd>
                                <a href=format!("/incidents/{incident}")>{format!("#{incident}")}</a>
                                " (declared for its outage)"
                            </dd>
                        }
                    })}
                <dt>"Up (24 h / 30 d)"</dt>
                <dd>{format!("{} / {}", percent(m.uptime_24h), percent(m.uptime_30d))}</dd>
                <dt>"Last result"</dt>
                <dd>{m.last_message.clone()}</dd>
            </dl>
            <Show when=move || can(Permission::PauseMonitors)>
                <div class="actions">
                    <button
                        type="button"
                        class="secondary"
                        disabled=move || pause.pending().get()
                        on:click=move |_| {
                            pause
                                .dispatch(PauseMonitor {
                                    id,
                                    paused: !paused,
                                });
                        }
                    >
                        {if paused { "Resume" } else { "Pause" }}
                    </button>
                    <Show when=move || can(Permission::ManageMonitors)>
                        <button
                            type="button"
                            class="danger"
                            disabled=move || remove.pending().get()
                            on:click=move |_| {
                                remove.dispatch(DeleteMonitor { id });
                            }
                        >
                            "Remove monitor"
                        </button>
                    </Show>
                </div>
                <FormError error=pause_error />
                <FormError error=remove_error />
            </Show>
        </section>
        <Charts id=m.id summary=summary_24h days services=services_24h />
        <Events events />
        <Results results />
        {draft
            .map(|draft| {
                view! {
                    <section class="card" aria-labelledby="edit-heading">
                        <h2 id="edit-heading">"Edit"</h2>
                        <MonitorForm id=Some(id) draft channels=channel_names />
                    </section>
                }
            })}
    }
}

#[component]
fn Events(events: Vec<super::model::MonitorEvent>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="events-heading">
            <h2 id="events-heading">"State changes"</h2>
            {if events.is_empty() {
                view! { <p class="empty">"None yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline">
                        {events
                            .into_iter()
                            .map(|e| {
                                view! {
                                    <li>
                                        <Timestamp at=e.at />
                                        " · "
                                        {format!("{} → {}", e.from_state.label(), e.to_state.label())}
                                        " · "
                                        {e.cause}
                                        {e.in_maintenance.then_some(" (during maintenance)")}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn Results(results: Vec<super::model::CheckResult>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="results-heading">
            <h2 id="results-heading">"Recent checks"</h2>
            <table class="list">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Response"</th>
                        <th scope="col">"What was seen"</th>
                    </tr>
                </thead>
                <tbody>
                    {results
                        .into_iter()
                        .map(|r| {
                            let class = state_class(r.outcome.into());
                            view! {
                                <tr>
                                    <td>
                                        <Timestamp at=r.at />
                                    </td>
                                    <td>
                                        <span class=class>{r.outcome.label()}</span>
                                    </td>
                                    <td>{milliseconds(r.response_ms)}</td>
                                    <td>{r.message} {r.in_maintenance.then_some(" (during maintenance)")}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
