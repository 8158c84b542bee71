//! Incident pieces used on several pages: the ticking SLA clocks, badges, and the dashboard cards.

use super::api::{list_incidents, open_action_items};
use super::model::{Clock, ClockState, IncidentFilter, Severity, Sla, Status};
use crate::ui::use_ticking_clock;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// `4:05` or `1:02:05`.
pub fn countdown(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (h, m, s) = (s / 3600, s % 3600 / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn clock_text(clock: &Clock) -> String {
    match (clock.state, clock.running()) {
        (ClockState::Met, _) => format!("met with {} to spare", countdown(clock.remaining_s)),
        (ClockState::Breached, true) => format!("{} overdue", countdown(clock.remaining_s)),
        (ClockState::Breached, false) => format!("{} late", countdown(clock.remaining_s)),
        _ => format!("{} left", countdown(clock.remaining_s)),
    }
}

#[component]
fn ClockView(name: &'static str, key: &'static str, clock: Clock, now: ReadSignal<DateTime<Utc>>) -> impl IntoView {
    let due = clock.due_at.format("due %Y-%m-%d %H:%M:%S UTC").to_string();
    let current = Memo::new(move |_| clock.at(now.get()));
    view! {
        <div
            class=move || format!("clock {}", current.get().state.as_str())
            data-clock=key
            data-state=move || current.get().state.as_str()
            title=due
        >
            <span class="clock-name">{name}</span>
            <strong class="clock-state">{move || current.get().state.label()}</strong>
            <span class="clock-time">{move || clock_text(&current.get())}</span>
        </div>
    }
}

/// Response, resolution and next-public-update clocks, re-evaluated every second.
#[component]
/// `now` is one ticking clock shared by every set of clocks on the page.
pub fn SlaClocks(sla: Sla, now: ReadSignal<DateTime<Utc>>) -> impl IntoView {
    let next_update = sla.next_update_due_at;
    let update_text = move || match next_update {
        Some(due) if due > now.get() => format!("in {}", countdown((due - now.get()).num_seconds())),
        Some(due) => format!("{} overdue", countdown((now.get() - due).num_seconds())),
        None => "no cadence".to_owned(),
    };
    let update_state = move || if next_update.is_some_and(|due| due <= now.get()) { "breached" } else { "on_track" };
    view! {
        <div class="clocks" role="group" aria-label="SLA clocks">
            <ClockView name="Response" key="response" clock=sla.response now />
            <ClockView name="Resolution" key="resolution" clock=sla.resolution now />
            <div class=move || format!("clock {}", update_state()) data-clock="update">
                <span class="clock-name">"Next public update"</span>
                <span class="clock-time">{update_text}</span>
            </div>
        </div>
    }
}

#[component]
pub fn SeverityBadge(severity: Severity) -> impl IntoView {
    view! { <span class=format!("sev-badge sev{}", severity.level())>{severity.label()}</span> }
}

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    view! { <span class=format!("status-badge {}", status.as_str())>{status.label()}</span> }
}

/// The dashboard card: open incidents with their clocks.
#[component]
pub fn OpenIncidentsCard() -> impl IntoView {
    let open =
        Resource::new(|| (), |_| list_incidents(IncidentFilter { status: "open".into(), ..IncidentFilter::default() }));
    view! {
        <section class="card wide" aria-labelledby="incidents-card">
            <h2 id="incidents-card">"Open incidents"</h2>
            <Suspense fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match open.await {
                        Ok(list) if list.incidents.is_empty() => {
                            view! {
                                <p>
                                    <span class="dot ok"></span>
                                    "No open incidents."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(list) => {
                            let now = use_ticking_clock(list.server_now);
                            view! {
                                <ul class="incident-summaries">
                                    {list
                                        .incidents
                                        .into_iter()
                                        .map(|i| {
                                            view! {
                                                <li>
                                                    <SeverityBadge severity=i.severity />
                                                    " "
                                                    <a href=format!("/incidents/{}", i.id)>{i.title.clone()}</a>
                                                    " "
                                                    <StatusBadge status=i.status />
                                                    <SlaClocks sla=i.sla.clone() now />
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <a href="/incidents">"Incidents →"</a>
        </section>
    }
}

/// The dashboard card: post-mortem action items past their due date.
#[component]
pub fn OverdueActionItemsCard() -> impl IntoView {
    let items = Resource::new(|| (), |_| open_action_items());
    view! {
        <section class="card" aria-labelledby="action-items-card">
            <h2 id="action-items-card">"Overdue action items"</h2>
            <Suspense fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(list) => {
                            let today = list.today;
                            let overdue: Vec<_> = list.items.into_iter().filter(|i| i.overdue(today)).collect();
                            if overdue.is_empty() {
                                view! {
                                    <p>
                                        <span class="dot ok"></span>
                                        "None overdue."
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <ul class="activity">
                                        {overdue
                                            .into_iter()
                                            .map(|item| {
                                                view! {
                                                    <li>
                                                        <span class="dot bad"></span>
                                                        {item.title.clone()}
                                                        " · due "
                                                        {item.due_on.map(|d| d.to_string())}
                                                        " · "
                                                        <a href=format!(
                                                            "/incidents/{}/postmortem",
                                                            item.incident_id,
                                                        )>{format!("#{}", item.incident_id)}</a>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                        }
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <a href="/incidents/action-items">"All action items →"</a>
        </section>
    }
}
