//! `/incidents/:id/postmortem`: the post-mortem editor, its status and action items.

use super::*;

#[component]
pub fn PostmortemPage() -> impl IntoView {
    let manage = can_manage();
    let reload = RwSignal::new(0u32);
    let page = load_incident(reload);
    view! {
        <IncidentsNav />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(page) => {
                        let incident = page.incident.clone();
                        let heading = format!("Post-mortem: #{} {}", incident.id, incident.title);
                        let body = match page.postmortem {
                            Some(pm) => view! { <PostmortemView pm people=page.people.clone() reload /> }.into_any(),
                            None if manage => {
                                view! {
                                    <p>"No post-mortem yet."</p>
                                    <StartPostmortemButton id=incident.id reload />
                                }
                                    .into_any()
                            }
                            None => view! { <p>"No post-mortem yet."</p> }.into_any(),
                        };
                        view! {
                            <Title text=title_text(&heading) />
                            <header class="page-header">
                                <h1>{heading}</h1>
                                <p class="subtitle">
                                    <a href=format!("/incidents/{}", incident.id)>"← The incident"</a>
                                </p>
                            </header>
                            {body}
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
pub(super) fn PostmortemView(pm: Postmortem, people: Vec<Person>, reload: RwSignal<u32>) -> impl IntoView {
    let manage = can_manage();
    let id = pm.incident_id;
    let editable = manage && pm.status != PostmortemStatus::Published;
    let set_status = ServerAction::<SetPostmortemStatus>::new();
    reload_on_success(set_status.value(), reload);
    let status_error = last_error(set_status.value());
    let status_buttons = PostmortemStatus::ALL
        .iter()
        .filter(|s| **s != pm.status)
        .map(|s| {
            let label = match s {
                PostmortemStatus::Draft => "Back to draft",
                PostmortemStatus::InReview => "Send for review",
                PostmortemStatus::Published => "Publish",
            };
            view! {
                <ActionForm action=set_status attr:class="inline">
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="status" value=s.as_str() />
                    <button type="submit" class="secondary">
                        {label}
                    </button>
                </ActionForm>
            }
        })
        .collect_view();
    let rendered = PostmortemSections::HEADINGS
        .iter()
        .zip(pm.rendered.iter().cloned())
        .map(|((key, heading), html)| {
            view! {
                <section class="pm-section" data-section=*key>
                    <h2>{*heading}</h2>
                    <div class="markdown" inner_html=html></div>
                </section>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <p>
                "Status: "<strong class="pm-status" data-status=pm.status.as_str()>
                    {pm.status.label()}
                </strong> " · last edited "<Timestamp at=pm.updated_at />" by "{pm.updated_by.clone()}
                {pm
                    .published_at
                    .map(|at| {
                        view! {
                            " · published "
                            <Timestamp at />
                        }
                    })}
            </p>
            {manage
                .then(|| {
                    view! {
                        <div class="actions">{status_buttons}</div>
                        <FormError error=status_error />
                    }
                })}
        </section>
        {editable.then(|| view! { <PostmortemEditor id sections=pm.sections.clone() reload /> })}
        <article class="postmortem">{rendered}</article>
        <ActionItems pm people reload />
    }
}

#[component]
pub(super) fn PostmortemEditor(id: i64, sections: PostmortemSections, reload: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SavePostmortem>::new();
    reload_on_success(save.value(), reload);
    let error = last_error(save.value());
    let draft = RwSignal::new(sections.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SavePostmortem { id, sections: draft.get_untracked() });
    };
    let fields = PostmortemSections::HEADINGS
        .iter()
        .map(|(key, heading)| {
            let key = *key;
            let field_id = format!("pm-{key}");
            view! {
                <div class="field">
                    <label for=field_id.clone()>{*heading}</label>
                    <textarea
                        id=field_id.clone()
                        name=key
                        rows="5"
                        aria-describedby=format!("{field_id}-msg")
                        on:input=move |ev| draft.update(|d| *d.get_mut(key) = event_target_value(&ev))
                    >
                        {sections.get(key).to_owned()}
                    </textarea>
                    <FieldError id=format!("{field_id}-msg") message=field_message(error, key) />
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="pm-edit-heading">
            <h2 id="pm-edit-heading">"Edit (Markdown)"</h2>
            <form on:submit=submit>
                {fields} <FormError error /> <button type="submit" disabled=move || save.pending().get()>
                    "Save post-mortem"
                </button>
                {move || {
                    matches!(save.value().get(), Some(Ok(())))
                        .then(|| {
                            view! {
                                <span class="saved" role="status">
                                    " Saved."
                                </span>
                            }
                        })
                }}
            </form>
        </section>
    }
}

#[component]
pub(super) fn ActionItems(pm: Postmortem, people: Vec<Person>, reload: RwSignal<u32>) -> impl IntoView {
    let manage = can_manage();
    let id = pm.incident_id;
    let add = ServerAction::<AddActionItem>::new();
    let toggle = ServerAction::<SetActionItemStatus>::new();
    reload_on_success(add.value(), reload);
    reload_on_success(toggle.value(), reload);
    let error = last_error(add.value());
    let today = chrono::Utc::now().date_naive();
    let rows = pm
        .action_items
        .into_iter()
        .map(|item| {
            let next = if item.status == ActionStatus::Done { ActionStatus::Open } else { ActionStatus::Done };
            let overdue = item.overdue(today);
            view! {
                <tr class:overdue=overdue data-item=item.id.to_string()>
                    <td>{item.title.clone()}</td>
                    <td>{item.kind.label()}</td>
                    <td>{person_text(&item.owner)}</td>
                    <td>{due_text(item.due_on, overdue)}</td>
                    <td>{item.status.label()}</td>
                    <td>
                        {manage
                            .then(|| {
                                view! {
                                    <ActionForm action=toggle attr:class="inline">
                                        <input type="hidden" name="item_id" value=item.id.to_string() />
                                        <input type="hidden" name="status" value=next.as_str() />
                                        <button type="submit" class="secondary">
                                            {if next == ActionStatus::Done { "Mark done" } else { "Reopen" }}
                                        </button>
                                    </ActionForm>
                                }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="items-heading">
            <h2 id="items-heading">"Action items"</h2>
            <table class="action-items">
                <thead>
                    <tr>
                        <th>"Item"</th>
                        <th>"Type"</th>
                        <th>"Owner"</th>
                        <th>"Due"</th>
                        <th>"Status"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {manage
                .then(|| {
                    view! {
                        <ActionForm action=add attr:class="grid-form">
                            <input type="hidden" name="id" value=id.to_string() />
                            <FormField form="item" label="New action item" name="title" error />
                            <div class="field">
                                <label for="field-item-kind">"Type"</label>
                                <select id="field-item-kind" name="kind">
                                    <option value="mitigate">"Mitigate"</option>
                                    <option value="prevent" selected=true>
                                        "Prevent"
                                    </option>
                                    <option value="process">"Process"</option>
                                </select>
                            </div>
                            <div class="field">
                                <label for="field-item-owner">"Owner"</label>
                                <select id="field-item-owner" name="owner_id">
                                    <option value="">"Nobody yet"</option>
                                    {people
                                        .iter()
                                        .map(|p| view! { <option value=p.id.to_string()>{p.email.clone()}</option> })
                                        .collect_view()}
                                </select>
                                <FieldError
                                    id="field-item-owner-msg".to_owned()
                                    message=field_message(error, "owner_id")
                                />
                            </div>
                            <FormField form="item" label="Due" name="due_on" kind="date" error />
                            <FormError error />
                            <button type="submit">"Add action item"</button>
                        </ActionForm>
                    }
                })}
        </section>
    }
}
