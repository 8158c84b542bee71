//! The dashboard card: what is down or degraded right now, and alert channels that keep failing.

use super::api::{failing_channels, list_monitors};
use super::model::MonitorState;
use leptos::prelude::*;

#[component]
pub fn MonitorsCard() -> impl IntoView {
    // One resource for both reads: two resources under one Suspense is the shape of Leptos'
    // lost-wake-up SSR hangs (leptos-rs/leptos#4851, #4698), which a dashboard load met once.
    let card = Resource::new(|| (), |_| async { (list_monitors().await, failing_channels().await) });
    view! {
        <section class="card" aria-labelledby="monitors-card">
            <h2 id="monitors-card">"Monitors"</h2>
            <Suspense fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    let (monitors, channels) = card.await;
                    let failing_channels = channels
                        .ok()
                        .filter(|names| !names.is_empty())
                        .map(|names| {
                            view! {
                                <p class="form-error">
                                    {format!("Alerts failing to reach: {}", names.join(", "))} " · "
                                    <a href="/settings/alerts">"delivery log"</a>
                                </p>
                            }
                        });
                    let states = match monitors {
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                        Ok(list) => {
                            let total = list.len();
                            let failing: Vec<_> = list
                                .into_iter()
                                .filter(|m| matches!(m.state, MonitorState::Down | MonitorState::Degraded))
                                .collect();
                            if failing.is_empty() {
                                view! {
                                    <p>
                                        <span class="dot ok"></span>
                                        {format!("All {total} monitors up or idle")}
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <ul class="failing">
                                        {failing
                                            .into_iter()
                                            .map(|m| {
                                                view! {
                                                    <li>
                                                        <span class="dot warn"></span>
                                                        <a href=format!("/monitors/{}", m.id)>{m.name}</a>
                                                        {format!(" · {} · {}", m.state.label(), m.last_message)}
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                        }
                    };
                    view! {
                        {states}
                        {failing_channels}
                    }
                })}
            </Suspense>
            <a href="/monitors">"Monitors →"</a>
        </section>
    }
}
