//! Maintenance pieces shown outside its page: the banner on every console page and the dashboard card.

use super::api::maintenance_now;
use super::model::WindowView;
use crate::ui::{human_duration, use_ticking_clock, Timestamp};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use std::time::Duration;

/// Bumped after any maintenance change made in this tab, so every view of the state re-reads.
#[derive(Clone, Copy)]
pub struct MaintenanceChanged(pub RwSignal<u32>);

impl MaintenanceChanged {
    pub fn provide() -> Self {
        let changed = Self(RwSignal::new(0));
        provide_context(changed);
        changed
    }

    /// The counter to re-read on (a private one outside the console layout).
    pub fn signal() -> RwSignal<u32> {
        use_context::<Self>().map(|c| c.0).unwrap_or_else(|| RwSignal::new(0))
    }

    pub fn bump() {
        if let Some(changed) = use_context::<Self>() {
            changed.0.update(|n| *n += 1);
        }
    }
}

fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    (to - from).num_seconds().max(0) as u64
}

/// "for 12 min · 48 min left" as the clock ticks.
#[component]
pub fn LiveDurations(window: WindowView) -> impl IntoView {
    let now = use_ticking_clock(Utc::now());
    let started = window.starts_at();
    let end = window.planned_end;
    view! {
        <span class="live-durations">
            "running for "<strong>{move || human_duration(seconds_between(started, now.get()))}</strong>
            {move || match end {
                Some(end) if end > now.get() => format!(" · {} left", human_duration(seconds_between(now.get(), end))),
                Some(_) => " · ending now".to_owned(),
                None => " · no planned end".to_owned(),
            }}
        </span>
    }
}

/// On every console page while maintenance is on. Re-reads every 15 s and after changes made here.
#[component]
pub fn MaintenanceBanner() -> impl IntoView {
    let changed = MaintenanceChanged::signal();
    let poll = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || poll.update(|n| *n += 1), Duration::from_secs(15)) {
            on_cleanup(move || handle.clear());
        }
    });
    let state = Resource::new(move || (changed.get(), poll.get()), |_| maintenance_now());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                state
                    .await
                    .ok()
                    .and_then(|s| s.current)
                    .map(|w| {
                        view! {
                            <div class="maintenance-banner" role="status">
                                <strong>"Maintenance is on"</strong>
                                " · "
                                {w.message.clone()}
                                " · "
                                <LiveDurations window=w />
                                " · "
                                <a href="/maintenance">"Manage"</a>
                            </div>
                        }
                    })
            })}
        </Transition>
    }
}

/// The dashboard card: current state and the next window.
#[component]
pub fn MaintenanceCard() -> impl IntoView {
    let state = Resource::new(|| (), |_| maintenance_now());
    view! {
        <section class="card" aria-labelledby="maintenance-card">
            <h2 id="maintenance-card">"Maintenance"</h2>
            <Suspense fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(s) => {
                            view! {
                                <dl class="facts">
                                    <dt>"Now"</dt>
                                    <dd>
                                        {match s.current {
                                            Some(w) => {
                                                view! {
                                                    <span class="dot warn"></span>
                                                    "On: "
                                                    {w.reason.clone()}
                                                    " · "
                                                    <LiveDurations window=w />
                                                }
                                                    .into_any()
                                            }
                                            None => {
                                                view! {
                                                    <span class="dot ok"></span>
                                                    "Off"
                                                }
                                                    .into_any()
                                            }
                                        }}
                                    </dd>
                                    <dt>"Next window"</dt>
                                    <dd>
                                        {match s.next {
                                            Some(w) => {
                                                view! {
                                                    <Timestamp at=w.planned_start />
                                                    " · "
                                                    {w.reason}
                                                }
                                                    .into_any()
                                            }
                                            None => view! { "None scheduled" }.into_any(),
                                        }}
                                    </dd>
                                </dl>
                                <a href="/maintenance">"Maintenance →"</a>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
