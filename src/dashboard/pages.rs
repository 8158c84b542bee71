//! `/`: the dashboard. Each domain adds its card here when it lands.

use super::api::system_status;
use crate::app::use_me;
use crate::audit::api::list_audit;
use crate::auth::model::Permission;
use crate::flags::pages::FlagsCard;
use crate::incidents::components::{OpenIncidentsCard, OverdueActionItemsCard};
use crate::maintenance::components::MaintenanceCard;
use crate::ui::{human_duration, PageHeader, Timestamp};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| system_status());
    let can_read_audit = use_me().is_some_and(|me| me.role.can(Permission::ReadAudit));
    view! {
        <Title text="Dashboard"/>
        <PageHeader title="Dashboard"/>
        <div class="cards">
            <section class="card" aria-labelledby="system-card">
                <h2 id="system-card">"System"</h2>
                <Suspense fallback=|| view! { <p class="loading">"Checking…"</p> }>
                    {move || Suspend::new(async move {
                        match status.await {
                            Ok(s) => view! {
                                <dl class="facts">
                                    <dt>"Version"</dt><dd>{s.version}</dd>
                                    <dt>"Up for"</dt><dd>{human_duration(s.uptime_s)}</dd>
                                    <dt>"Database"</dt><dd><span class="dot ok"></span>{format!("answering ({} ms)", s.database_ms)}</dd>
                                    <dt>"Active users"</dt><dd>{s.users}</dd>
                                    <dt>"Active API tokens"</dt><dd>{s.active_tokens}</dd>
                                </dl>
                            }.into_any(),
                            Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <OpenIncidentsCard/>
            <MaintenanceCard/>
            <OverdueActionItemsCard/>
            <FlagsCard/>
            <Show when=move || can_read_audit>
                <RecentActivity/>
            </Show>
        </div>
    }
}

#[component]
fn RecentActivity() -> impl IntoView {
    let recent = Resource::new(|| (), |_| list_audit(String::new(), String::new(), String::new(), String::new(), 0));
    view! {
        <section class="card" aria-labelledby="activity-card">
            <h2 id="activity-card">"Recent changes"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match recent.await {
                        Ok(page) => view! {
                            <ul class="activity">
                                {page.entries.into_iter().take(6).map(|e| view! {
                                    <li><Timestamp at=e.at/>" · "{e.actor}" · "<code>{e.action}</code></li>
                                }).collect_view()}
                            </ul>
                            <a href="/audit">"Full audit log →"</a>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
