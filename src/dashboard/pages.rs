//! `/`: the dashboard. The system card is its own; every domain's cards come in as children,
//! listed by the composition root.

use super::api::system_status;
use crate::ui::{human_duration, PageHeader};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage(children: Children) -> impl IntoView {
    let status = Resource::new(|| (), |_| system_status());
    view! {
        <Title text="Dashboard" />
        <PageHeader title="Dashboard" />
        <div class="cards">
            <section class="card" aria-labelledby="system-card">
                <h2 id="system-card">"System"</h2>
                <Suspense fallback=|| {
                    view! { <p class="loading">"Checking…"</p> }
                }>
                    {move || Suspend::new(async move {
                        match status.await {
                            Ok(s) => {
                                view! {
                                    <dl class="facts">
                                        <dt>"Version"</dt>
                                        <dd>{s.version}</dd>
                                        <dt>"Up for"</dt>
                                        <dd>{human_duration(s.uptime_s)}</dd>
                                        <dt>"Database"</dt>
                                        <dd>
                                            <span class="dot ok"></span>
                                            {format!("answering ({} ms)", s.database_ms)}
                                        </dd>
                                        <dt>"Active users"</dt>
                                        <dd>{s.users}</dd>
                                        <dt>"Active API tokens"</dt>
                                        <dd>{s.active_tokens}</dd>
                                    </dl>
                                }
                                    .into_any()
                            }
                            Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            {children()}
        </div>
    }
}
