//! `/audit`: the owner's view of every change, filterable and paged.

use super::api::{audit_entity_types, list_audit};
use super::model::AuditEntry;
use crate::auth::access::RequirePermission;
use crate::auth::model::Permission;
use crate::ui::{percent_encode, ErrorPanel, PageHeader, Timestamp};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// The filter as it stands in the address bar, so views can be bookmarked and shared.
#[derive(Clone, PartialEq, Default)]
struct Filter {
    actor: String,
    entity_type: String,
    from: String,
    to: String,
    page: i64,
}

impl Filter {
    fn query_string(&self, page: i64) -> String {
        let pairs =
            [("actor", &self.actor), ("entity_type", &self.entity_type), ("from", &self.from), ("to", &self.to)];
        let mut parts: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", percent_encode(v, &[])))
            .collect();
        parts.push(format!("page={page}"));
        format!("?{}", parts.join("&"))
    }
}

fn change_summary(entry: &AuditEntry) -> Option<String> {
    let show = |v: &Option<serde_json::Value>| v.as_ref().map(|v| serde_json::to_string_pretty(v).unwrap_or_default());
    match (show(&entry.before), show(&entry.after)) {
        (None, None) => None,
        (before, after) => Some(format!(
            "before: {}\nafter:  {}",
            before.unwrap_or_else(|| "—".into()),
            after.unwrap_or_else(|| "—".into())
        )),
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log" />
        <RequirePermission permission=Permission::ReadAudit>
            <AuditLog />
        </RequirePermission>
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        Filter {
            actor: get("actor"),
            entity_type: get("entity_type"),
            from: get("from"),
            to: get("to"),
            page: get("page").parse().unwrap_or(0),
        }
    });
    let entries = Resource::new(move || filter.get(), |f| list_audit(f.actor, f.entity_type, f.from, f.to, f.page));
    let entity_types = Resource::new(|| (), |_| audit_entity_types());

    view! {
        <PageHeader
            title="Audit log"
            subtitle="Every change in Pitwall: who, what, when, from where, before and after."
        />
        <Form method="GET" action="" attr:class="filters" attr:aria-label="Filter the audit log">
            <div class="field">
                <label for="f-actor">"Actor"</label>
                <input
                    id="f-actor"
                    name="actor"
                    placeholder="email, token name, cli, system"
                    prop:value=move || filter.get().actor
                />
            </div>
            <div class="field">
                <label for="f-entity">"Entity"</label>
                <select id="f-entity" name="entity_type">
                    <option value="">"Any"</option>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let selected = filter.get_untracked().entity_type;
                            entity_types
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|t| {
                                    let is_selected = t == selected;
                                    view! {
                                        <option value=t.clone() selected=is_selected>
                                            {t.clone()}
                                        </option>
                                    }
                                })
                                .collect_view()
                        })}
                    </Suspense>
                </select>
            </div>
            <div class="field">
                <label for="f-from">"From"</label>
                <input id="f-from" name="from" type="date" prop:value=move || filter.get().from />
            </div>
            <div class="field">
                <label for="f-to">"To"</label>
                <input id="f-to" name="to" type="date" prop:value=move || filter.get().to />
            </div>
            <button type="submit">"Filter"</button>
            <a class="button secondary" href="/audit">
                "Clear"
            </a>
        </Form>
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let newer = (page.page > 0).then(|| f.query_string(page.page - 1));
                        let older = page.has_more.then(|| f.query_string(page.page + 1));
                        let empty = page.entries.is_empty();
                        view! {
                            <Show when=move || empty>
                                <p class="empty">"No changes match."</p>
                            </Show>
                            <div class="table-wrap">
                                <table class="audit">
                                    <thead>
                                        <tr>
                                            <th scope="col">"When"</th>
                                            <th scope="col">"Actor"</th>
                                            <th scope="col">"Action"</th>
                                            <th scope="col">"Entity"</th>
                                            <th scope="col">"Change"</th>
                                            <th scope="col">"From"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {page
                                            .entries
                                            .into_iter()
                                            .map(|e| {
                                                let change = change_summary(&e);
                                                view! {
                                                    <tr>
                                                        <td>
                                                            <Timestamp at=e.at />
                                                        </td>
                                                        <td>{e.actor.clone()}</td>
                                                        <td>
                                                            <code>{e.action.clone()}</code>
                                                        </td>
                                                        <td>{format!("{} #{}", e.entity_type, e.entity_id)}</td>
                                                        <td>
                                                            {change
                                                                .map(|c| {
                                                                    view! {
                                                                        <details>
                                                                            <summary>"Show"</summary>
                                                                            <pre>{c}</pre>
                                                                        </details>
                                                                    }
                                                                })}
                                                        </td>
                                                        <td>{e.client_ip.clone().unwrap_or_else(|| "—".into())}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <nav class="pager" aria-label="Pages">
                                {newer.map(|q| view! { <a href=format!("/audit{q}")>"← Newer"</a> })}
                                <span>{format!("Page {}", page.page + 1)}</span>
                                {older.map(|q| view! { <a href=format!("/audit{q}")>"Older →"</a> })}
                            </nav>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
