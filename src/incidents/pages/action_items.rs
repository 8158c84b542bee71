//! `/incidents/action-items`: every post-mortem's action items, overdue first.

use super::*;

#[component]
pub fn ActionItemsPage() -> impl IntoView {
    let items = Resource::new(|| (), |_| open_action_items());
    view! {
        <Title text="Action items" />
        <PageHeader
            title="Action items"
            subtitle="Open post-mortem action items across incidents, the overdue ones first."
        />
        <IncidentsNav />
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match items.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) if list.items.is_empty() => {
                        view! { <p class="empty">"No open action items."</p> }.into_any()
                    }
                    Ok(list) => {
                        let today = list.today;
                        let mut items = list.items;
                        items.sort_by_key(|i| !i.overdue(today));
                        view! {
                            <table class="action-items">
                                <thead>
                                    <tr>
                                        <th>"Item"</th>
                                        <th>"Incident"</th>
                                        <th>"Type"</th>
                                        <th>"Owner"</th>
                                        <th>"Due"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {items
                                        .into_iter()
                                        .map(|item| {
                                            let overdue = item.overdue(today);
                                            view! {
                                                <tr class:overdue=overdue>
                                                    <td>{item.title.clone()}</td>
                                                    <td>
                                                        <a href=format!(
                                                            "/incidents/{}/postmortem",
                                                            item.incident_id,
                                                        )>{format!("#{} {}", item.incident_id, item.incident_title)}</a>
                                                    </td>
                                                    <td>{item.kind.label()}</td>
                                                    <td>{person_text(&item.owner)}</td>
                                                    <td>{due_text(item.due_on, overdue)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
