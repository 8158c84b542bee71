//! `/status/settings` (owner): the components and groups in page order, each with its monitor
//! links, rule and override; the page's branding.

use super::api::{
    status_settings, AddWebhookSubscriber, MoveComponent, OverrideComponent, RemoveComponent, RemoveSubscriber,
    SaveBranding, SaveComponent, StatusSettingsData,
};
use super::model::{BrandingDraft, ComponentDraft, ComponentStatus, ComponentView, SubscriberKind, SubscriberView};
use crate::auth::access::RequirePermission;
use crate::auth::model::Permission;
use crate::ui::{
    field_message, last_error, reload_on_success, ErrorPanel, FieldError, FormError, FormField, PageHeader,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn StatusSettingsPage() -> impl IntoView {
    view! {
        <Title text="Status page" />
        <PageHeader
            title="Status page"
            subtitle="What the public sees at /status: components, what drives them, and the page's look."
        />
        <p>
            <a href="/status" rel="external">
                "View as public →"
            </a>
        </p>
        <RequirePermission permission=Permission::ManageStatusPage>
            <StatusSettingsBody />
        </RequirePermission>
    }
}

#[component]
fn StatusSettingsBody() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let settings = Resource::new(move || reload.get(), |_| status_settings());
    view! {
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match settings.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(settings) => view! { <Settings settings reload /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Settings(settings: StatusSettingsData, reload: RwSignal<u32>) -> impl IntoView {
    let StatusSettingsData { components, branding, monitor_names, subscribers } = settings;
    let groups: Vec<String> = components.iter().filter(|c| c.is_group).map(|c| c.name.clone()).collect();
    let rows = components.iter().cloned().map(|component| view! { <ComponentRow component reload /> }).collect_view();
    let empty = components.is_empty();
    view! {
        <datalist id="status-monitors">
            {monitor_names.iter().map(|m| view! { <option value=m.clone()></option> }).collect_view()}
        </datalist>
        <datalist id="status-groups">
            {groups.iter().map(|g| view! { <option value=g.clone()></option> }).collect_view()}
        </datalist>
        <section class="card wide" aria-labelledby="components-heading">
            <h2 id="components-heading">"Components"</h2>
            <Show when=move || empty>
                <p class="hint">"No components yet: add the parts of your service people care about below."</p>
            </Show>
            <table class="table status-components">
                <thead>
                    <tr>
                        <th scope="col">"Component"</th>
                        <th scope="col">"Status now"</th>
                        <th scope="col">"Driven by"</th>
                        <th scope="col">"Order"</th>
                        <th scope="col">"Override"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
        <section class="card wide" aria-labelledby="add-component">
            <h2 id="add-component">"Add a component or group"</h2>
            <ComponentForm id=None draft=ComponentDraft::default() reload />
        </section>
        <Subscribers subscribers reload />
        <section class="card wide" aria-labelledby="branding-heading">
            <h2 id="branding-heading">"Branding"</h2>
            <BrandingForm draft=branding reload />
        </section>
    }
}

fn driven_by(c: &ComponentView) -> String {
    if c.is_group {
        return "its components".into();
    }
    let mut parts = Vec::new();
    if !c.monitors.is_empty() {
        parts.push(format!(
            "monitors {} (down → {}, degraded → {})",
            c.monitors.join(", "),
            c.rule.down.label(),
            c.rule.degraded.label()
        ));
    }
    parts.push("incidents naming it".into());
    if c.covered_by_maintenance {
        parts.push("maintenance".into());
    }
    parts.join("; ")
}

#[component]
fn ComponentRow(component: ComponentView, reload: RwSignal<u32>) -> impl IntoView {
    let move_action = ServerAction::<MoveComponent>::new();
    let remove = ServerAction::<RemoveComponent>::new();
    let set_override = ServerAction::<OverrideComponent>::new();
    reload_on_success(move_action.value(), reload);
    reload_on_success(remove.value(), reload);
    reload_on_success(set_override.value(), reload);
    let move_error = last_error(move_action.value());
    let override_error = last_error(set_override.value());
    let id = component.id;
    let name = component.name.clone();
    let override_text = component
        .override_
        .map(|o| match o.until {
            Some(until) => format!("{} until {}", o.status.label(), until.format("%Y-%m-%d %H:%M UTC")),
            None => format!("{} until cleared", o.status.label()),
        })
        .unwrap_or_else(|| "none".into());
    let draft = ComponentDraft {
        name: component.name.clone(),
        description: component.description.clone(),
        group: component.group.clone().unwrap_or_default(),
        is_group: component.is_group,
        monitors: component.monitors.clone(),
        down_status: component.rule.down.as_str().into(),
        degraded_status: component.rule.degraded.as_str().into(),
        only_show_if_degraded: component.only_show_if_degraded,
        hidden: component.hidden,
        covered_by_maintenance: Some(component.covered_by_maintenance),
    };
    let prefix = format!("override-{id}");
    let label = if component.group_id.is_some() { format!("↳ {name}") } else { name.clone() };
    let (remove_label, up_label, down_label) =
        (format!("Remove {name}"), format!("Move {name} up"), format!("Move {name} down"));
    view! {
        <tr data-component=name>
            <th scope="row">
                {label} {component.is_group.then(|| view! { <span class="hint">" (group)"</span> })}
                {component.hidden.then(|| view! { <span class="hint">" (hidden)"</span> })} <details>
                    <summary>"Edit"</summary>
                    <ComponentForm id=Some(id) draft reload />
                    <ActionForm action=remove>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class="danger">
                            {remove_label}
                        </button>
                    </ActionForm>
                </details>
            </th>
            <td>
                <span class=format!("status-badge {}", component.status.as_str())>{component.status.label()}</span>
            </td>
            <td>{driven_by(&component)}</td>
            <td>
                <ActionForm action=move_action attr:class="inline">
                    <input type="hidden" name="id" value=id.to_string() />
                    <button type="submit" name="up" value="true" class="secondary" aria-label=up_label>
                        "↑"
                    </button>
                    <button type="submit" name="up" value="false" class="secondary" aria-label=down_label>
                        "↓"
                    </button>
                </ActionForm>
                <FormError error=move_error />
            </td>
            <td>
                <p>{override_text}</p>
                <ActionForm action=set_override attr:class="inline-form">
                    <input type="hidden" name="id" value=id.to_string() />
                    <label for=format!("{prefix}-status")>"Status"</label>
                    <select id=format!("{prefix}-status") name="status">
                        <option value="clear">"Automatic (clear)"</option>
                        {ComponentStatus::ALL
                            .iter()
                            .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
                            .collect_view()}
                    </select>
                    <label for=format!("{prefix}-for")>"For"</label>
                    <input id=format!("{prefix}-for") name="for_" placeholder="2h (empty: until cleared)" size="10" />
                    <button type="submit">"Set"</button>
                    <FieldError id=format!("{prefix}-msg") message=field_message(override_error, "for") />
                </ActionForm>
            </td>
        </tr>
    }
}

fn status_select(
    id: String,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<crate::error::AppError>>,
    field: &'static str,
) -> impl IntoView {
    let message_id = format!("{id}-msg");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                {ComponentStatus::ALL
                    .iter()
                    .filter(|s| s.is_outage())
                    .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
                    .collect_view()}
            </select>
            <FieldError id=message_id message=field_message(error, field) />
        </div>
    }
}

#[component]
fn ComponentForm(id: Option<i64>, draft: ComponentDraft, reload: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SaveComponent>::new();
    reload_on_success(save.value(), reload);
    let error = last_error(save.value());
    let prefix = id.map(|i| format!("component-{i}")).unwrap_or_else(|| "component-new".into());
    let text = |value: &str| RwSignal::new(value.to_owned());
    let name = text(&draft.name);
    let description = text(&draft.description);
    let group = text(&draft.group);
    let monitors = text(&draft.monitors.join(", "));
    let or_default = |raw: &str, default: ComponentStatus| {
        if raw.is_empty() {
            default.as_str().to_owned()
        } else {
            raw.to_owned()
        }
    };
    let down = RwSignal::new(or_default(&draft.down_status, ComponentStatus::MajorOutage));
    let degraded = RwSignal::new(or_default(&draft.degraded_status, ComponentStatus::DegradedPerformance));
    let is_group = RwSignal::new(draft.is_group);
    let only_if_degraded = RwSignal::new(draft.only_show_if_degraded);
    let hidden = RwSignal::new(draft.hidden);
    let covered = RwSignal::new(draft.covered_by_maintenance.unwrap_or(true));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = ComponentDraft {
            name: name.get_untracked(),
            description: description.get_untracked(),
            group: group.get_untracked(),
            is_group: is_group.get_untracked(),
            monitors: vec![monitors.get_untracked()],
            down_status: down.get_untracked(),
            degraded_status: degraded.get_untracked(),
            only_show_if_degraded: only_if_degraded.get_untracked(),
            hidden: hidden.get_untracked(),
            covered_by_maintenance: Some(covered.get_untracked()),
        };
        save.dispatch(SaveComponent { id, draft });
    };
    // A new component's form empties itself once saved.
    Effect::new(move |_| {
        if id.is_none() && matches!(save.value().get(), Some(Ok(_))) {
            for field in [name, description, group, monitors] {
                field.set(String::new());
            }
        }
    });
    let creating = id.is_none();
    let check = |label: &'static str, value: RwSignal<bool>, disabled: bool| {
        view! {
            <label class="check">
                <input type="checkbox" bind:checked=value disabled=disabled />
                {label}
            </label>
        }
    };
    view! {
        <form on:submit=submit class="grid-form" aria-label=if creating { "New component" } else { "Component" }>
            <FormField
                label="Name"
                name="name"
                error
                value=name
                form=prefix.clone()
                hint="e.g. API, Website, Checkout."
            />
            <FormField label="Description" name="description" error value=description form=prefix.clone() />
            <FormField
                label="Group"
                name="group"
                error
                value=group
                form=prefix.clone()
                list="status-groups"
                hint="Optional; a new name makes the group."
            />
            <FormField
                label="Monitors"
                name="monitors"
                error
                value=monitors
                form=prefix.clone()
                list="status-monitors"
                hint="Names, comma-separated."
            />
            {status_select(format!("field-{prefix}-down"), "A down monitor means", down, error, "down_status")}
            {status_select(
                format!("field-{prefix}-degraded"),
                "A degraded monitor means",
                degraded,
                error,
                "degraded_status",
            )}
            {check("This is a group", is_group, !creating)}
            {check("Only show while not operational", only_if_degraded, false)}
            {check("Hidden from the public", hidden, false)}
            {check("Covered by maintenance windows", covered, false)}
            <FieldError id=format!("field-{prefix}-is_group-msg") message=field_message(error, "is_group") />
            <FormError error />
            <button type="submit">{if creating { "Add" } else { "Save" }}</button>
        </form>
    }
}

#[component]
fn BrandingForm(draft: BrandingDraft, reload: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SaveBranding>::new();
    reload_on_success(save.value(), reload);
    let error = last_error(save.value());
    let text = |value: &str| RwSignal::new(value.to_owned());
    let (page_name, logo_url, accent, support_url, time_zone) = (
        text(&draft.page_name),
        text(&draft.logo_url),
        text(&draft.accent),
        text(&draft.support_url),
        text(&draft.time_zone),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveBranding {
            draft: BrandingDraft {
                page_name: page_name.get_untracked(),
                logo_url: logo_url.get_untracked(),
                accent: accent.get_untracked(),
                support_url: support_url.get_untracked(),
                time_zone: time_zone.get_untracked(),
            },
        });
    };
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    view! {
        <form on:submit=submit class="grid-form" aria-label="Branding">
            <FormField label="Page name" name="page_name" error value=page_name form="branding" />
            <FormField label="Logo URL" name="logo_url" error value=logo_url form="branding" hint="https://…" />
            <FormField label="Accent colour" name="accent" error value=accent form="branding" hint="#rrggbb" />
            <FormField
                label="Support link"
                name="support_url"
                error
                value=support_url
                form="branding"
                hint="https://… or mailto:…"
            />
            <FormField
                label="Time zone"
                name="time_zone"
                error
                value=time_zone
                form="branding"
                hint="IANA name, e.g. Europe/Madrid: the page's days and times."
            />
            <FormError error />
            <button type="submit">"Save branding"</button>
            <Show when=saved>
                <p role="status">"Saved."</p>
            </Show>
        </form>
    }
}

#[component]
fn Subscribers(subscribers: Vec<SubscriberView>, reload: RwSignal<u32>) -> impl IntoView {
    let remove = ServerAction::<RemoveSubscriber>::new();
    let add = ServerAction::<AddWebhookSubscriber>::new();
    reload_on_success(remove.value(), reload);
    let add_error = last_error(add.value());
    let secret = move || add.value().get().and_then(Result::ok);
    let confirmed = subscribers.iter().filter(|s| s.kind == SubscriberKind::Email && s.confirmed_at.is_some()).count();
    let pending = subscribers.iter().filter(|s| s.kind == SubscriberKind::Email && s.confirmed_at.is_none()).count();
    let webhooks = subscribers.iter().filter(|s| s.kind == SubscriberKind::Webhook).count();
    let rows = subscribers
        .into_iter()
        .map(|s| {
            let id = s.id;
            let label = format!("Remove {}", s.address);
            view! {
                <tr data-subscriber=s.address.clone()>
                    <td>{s.kind.label()}</td>
                    <td>{s.address.clone()}</td>
                    <td>{if s.components.is_empty() { "everything".to_owned() } else { s.components.join(", ") }}</td>
                    <td>
                        {s
                            .confirmed_at
                            .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
                            .unwrap_or_else(|| "waiting for confirmation".into())}
                    </td>
                    <td>
                        <ActionForm action=remove attr:class="inline">
                            <input type="hidden" name="id" value=id.to_string() />
                            <button type="submit" class="danger" aria-label=label>
                                "Remove"
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card wide" aria-labelledby="subscribers-heading">
            <h2 id="subscribers-heading">"Subscribers"</h2>
            <p data-subscriber-counts="">
                {format!("{confirmed} confirmed by email · {pending} waiting for confirmation · {webhooks} webhooks")}
            </p>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"How"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"For"</th>
                        <th scope="col">"Confirmed"</th>
                        <th scope="col">""</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <ActionForm action=add attr:class="grid-form">
                <div class="field">
                    <label for="field-webhook-url">"Add a webhook"</label>
                    <input id="field-webhook-url" name="url" type="url" placeholder="https://…" />
                    <FieldError id="field-webhook-url-msg".to_owned() message=field_message(add_error, "url") />
                </div>
                <FormError error=add_error />
                <button type="submit">"Add webhook"</button>
            </ActionForm>
            {move || {
                secret()
                    .map(|secret| {
                        view! {
                            <p role="status">
                                "Signing secret (shown once): " <code>{secret}</code>
                                " · each delivery carries X-Pitwall-Signature: t=…,v1=HMAC-SHA256(secret, t.body)"
                            </p>
                        }
                    })
            }}
        </section>
    }
}
