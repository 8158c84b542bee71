//! The audit trail's dashboard card.

use super::api::list_audit;
use crate::auth::access::can;
use crate::auth::model::Permission;
use crate::ui::Timestamp;
use leptos::prelude::*;

/// The latest changes, for roles that may read the audit log.
#[component]
pub fn RecentChangesCard() -> impl IntoView {
    let allowed = can(Permission::ReadAudit);
    view! {
        <Show when=move || allowed>
            <RecentChanges />
        </Show>
    }
}

#[component]
fn RecentChanges() -> impl IntoView {
    let recent = Resource::new(|| (), |_| list_audit(String::new(), String::new(), String::new(), String::new(), 0));
    view! {
        <section class="card" aria-labelledby="activity-card">
            <h2 id="activity-card">"Recent changes"</h2>
            <Suspense fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match recent.await {
                        Ok(page) => {
                            view! {
                                <ul class="activity">
                                    {page
                                        .entries
                                        .into_iter()
                                        .take(6)
                                        .map(|e| {
                                            view! {
                                                <li>
                                                    <Timestamp at=e.at />
                                                    " · "
                                                    {e.actor}
                                                    " · "
                                                    <code>{e.action}</code>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                                <a href="/audit">"Full audit log →"</a>
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
