//! The public update templates on `/incidents/severities`: everyone sees the set; the owner
//! adds, edits and removes them.

use super::*;

#[component]
pub(super) fn UpdateTemplates() -> impl IntoView {
    let can_edit = can(Permission::DefineSeverities);
    let reload = RwSignal::new(0u32);
    let templates = Resource::new(move || reload.get(), |_| update_templates());
    view! {
        <section class="card wide" aria-labelledby="templates-heading">
            <h2 id="templates-heading">"Public update templates"</h2>
            <p class="hint">
                "Picked on an incident's page, a template fills the update, which stays editable. Placeholders: "
                {PLACEHOLDERS.join(", ")} "."
            </p>
            <Transition fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match templates.await {
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        Ok(list) => {
                            view! {
                                <ul class="templates">
                                    {list
                                        .into_iter()
                                        .map(|template| view! { <TemplateItem template can_edit reload /> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
            {can_edit
                .then(|| {
                    view! {
                        <details>
                            <summary>"Add a template"</summary>
                            <TemplateForm id=None draft=TemplateDraft::default() reload />
                        </details>
                    }
                })}
        </section>
    }
}

#[component]
fn TemplateItem(template: UpdateTemplate, can_edit: bool, reload: RwSignal<u32>) -> impl IntoView {
    let scope = match template.severity {
        Some(severity) => format!("{} · {}", template.status.label(), severity.label()),
        None => format!("{} · every severity", template.status.label()),
    };
    let draft = TemplateDraft {
        name: template.name.clone(),
        status: template.status.as_str().to_owned(),
        severity: template.severity.map(|s| s.level().to_string()).unwrap_or_default(),
        body: template.body.clone(),
    };
    let remove = ServerAction::<RemoveUpdateTemplate>::new();
    reload_on_success(remove.value(), reload);
    let id = template.id;
    view! {
        <li data-template=template.name.clone()>
            <strong>{template.name.clone()}</strong>
            <span class="hint">{format!(" ({scope})")}</span>
            <p>{template.body.clone()}</p>
            {can_edit
                .then(|| {
                    view! {
                        <details>
                            <summary>"Edit"</summary>
                            <TemplateForm id=Some(id) draft reload />
                            <ActionForm action=remove>
                                <input type="hidden" name="id" value=id.to_string() />
                                <button type="submit" class="danger">
                                    "Remove"
                                </button>
                            </ActionForm>
                        </details>
                    }
                })}
        </li>
    }
}

#[component]
fn TemplateForm(id: Option<i64>, draft: TemplateDraft, reload: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SaveUpdateTemplate>::new();
    reload_on_success(save.value(), reload);
    let error = last_error(save.value());
    let prefix = id.map(|i| format!("template-{i}")).unwrap_or_else(|| "template-new".into());
    let name = RwSignal::new(draft.name);
    let status = RwSignal::new(if draft.status.is_empty() { "investigating".to_owned() } else { draft.status });
    let severity = RwSignal::new(draft.severity);
    let body = RwSignal::new(draft.body);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = TemplateDraft {
            name: name.get_untracked(),
            status: status.get_untracked(),
            severity: severity.get_untracked(),
            body: body.get_untracked(),
        };
        save.dispatch(SaveUpdateTemplate { id, draft });
    };
    let (status_id, severity_id) = (format!("field-{prefix}-status"), format!("field-{prefix}-severity"));
    view! {
        <form on:submit=submit class="grid-form" aria-label=if id.is_none() { "New template" } else { "Template" }>
            <FormField label="Name" name="name" error value=name form=prefix.clone() />
            <div class="field">
                <label for=status_id.clone()>"For the status"</label>
                <select
                    id=status_id
                    prop:value=move || status.get()
                    on:change=move |ev| status.set(event_target_value(&ev))
                >
                    {Status::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=severity_id.clone()>"For the severity"</label>
                <select
                    id=severity_id
                    prop:value=move || severity.get()
                    on:change=move |ev| severity.set(event_target_value(&ev))
                >
                    <option value="">"Every severity"</option>
                    {Severity::ALL
                        .iter()
                        .map(|s| view! { <option value=s.level().to_string()>{s.label()}</option> })
                        .collect_view()}
                </select>
                <FieldError id=format!("field-{prefix}-severity-msg") message=field_message(error, "severity") />
            </div>
            <FormField label="Update" name="body" error value=body form=prefix.clone() rows=4 />
            <FormError error />
            <button type="submit">{if id.is_none() { "Add template" } else { "Save template" }}</button>
        </form>
    }
}
