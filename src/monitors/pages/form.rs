//! The monitor form, for adding and for editing: every field of a definition, "Check now" to
//! run the check as typed and see each condition's outcome before saving.

use super::super::api::{CheckNow, CheckPreview, SaveMonitor};
use super::super::model::{MonitorDraft, MonitorKind};
use super::state_class;
use crate::ui::{field_message, last_error, FieldError, FormError, FormField};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

#[component]
pub fn MonitorForm(id: Option<i64>, draft: MonitorDraft, channels: Vec<String>) -> impl IntoView {
    let save = ServerAction::<SaveMonitor>::new();
    let check = ServerAction::<CheckNow>::new();
    let save_error = last_error(save.value());
    let check_error = last_error(check.value());
    // The field messages come from whichever button was pressed last.
    let error = Signal::derive(move || {
        if check.version().get() > save.version().get() {
            check_error.get()
        } else {
            save_error.get().or_else(|| check_error.get())
        }
    });
    let text = |value: &str| RwSignal::new(value.to_owned());
    let name = text(&draft.name);
    let kind = text(if draft.kind.is_empty() { "http" } else { &draft.kind });
    let target = text(&draft.target);
    let method = text(if draft.method.is_empty() { "GET" } else { &draft.method });
    let headers = text(&draft.headers.join("\n"));
    let body = text(&draft.body);
    let interval = text(if draft.interval.is_empty() { "60s" } else { &draft.interval });
    let timeout = text(&draft.timeout);
    let grace = text(&draft.grace);
    let conditions = text(&draft.conditions.join("\n"));
    let failures = text(&draft.failure_threshold.map(|n| n.to_string()).unwrap_or_default());
    let successes = text(&draft.success_threshold.map(|n| n.to_string()).unwrap_or_default());
    let follow = RwSignal::new(draft.follow_redirects.unwrap_or(true));
    let verify = RwSignal::new(draft.verify_tls.unwrap_or(true));
    let custom_routing = RwSignal::new(draft.alert_channels.is_some());
    let chosen = RwSignal::new(draft.alert_channels.clone().unwrap_or_default());
    let reminder = text(&draft.reminder);
    let incident_after = text(&draft.incident_after);
    let incident_severity = text(&draft.incident_severity.unwrap_or(2).to_string());
    let current = move || MonitorDraft {
        name: name.get_untracked(),
        kind: kind.get_untracked(),
        target: target.get_untracked(),
        method: method.get_untracked(),
        headers: lines(&headers.get_untracked()),
        body: body.get_untracked(),
        interval: interval.get_untracked(),
        timeout: timeout.get_untracked(),
        grace: grace.get_untracked(),
        conditions: lines(&conditions.get_untracked()),
        follow_redirects: Some(follow.get_untracked()),
        verify_tls: Some(verify.get_untracked()),
        failure_threshold: failures.get_untracked().trim().parse().ok(),
        success_threshold: successes.get_untracked().trim().parse().ok(),
        alert_channels: custom_routing.get_untracked().then(|| chosen.get_untracked()),
        reminder: reminder.get_untracked(),
        incident_after: incident_after.get_untracked(),
        incident_severity: (!incident_after.get_untracked().trim().is_empty())
            .then(|| incident_severity.get_untracked().parse().ok())
            .flatten(),
    };
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            use_navigate()(&format!("/monitors/{}", saved.id), Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveMonitor { id, draft: current() });
    };
    let is_http = move || kind.get() == "http";
    let is_push = move || kind.get() == "push";
    // Push monitors are told, and Pitwall checks itself: neither has a target or conditions.
    let has_target = move || !matches!(kind.get().as_str(), "push" | "pitwall");
    view! {
        <form on:submit=submit class="grid-form monitor-form" aria-label="Monitor">
            <FormField
                label="Name"
                name="name"
                error
                value=name
                hint="Shown in alerts, e.g. API health."
                form="monitor"
            />
            <div class="field">
                <label for="field-monitor-kind">"Kind"</label>
                <select
                    id="field-monitor-kind"
                    name="kind"
                    disabled=id.is_some()
                    prop:value=move || kind.get()
                    on:change=move |ev| kind.set(event_target_value(&ev))
                >
                    {MonitorKind::ALL
                        .iter()
                        .map(|k| view! { <option value=k.as_str()>{k.label()}</option> })
                        .collect_view()}
                </select>
                <FieldError id="field-monitor-kind-msg".to_owned() message=field_message(error, "kind") />
            </div>
            <Show when=has_target>
                <FormField
                    label="Target"
                    name="target"
                    error
                    value=target
                    hint="A URL (HTTP), host:port (TCP), postgres://… (Postgres) or redis://host:port (Redis)."
                    form="monitor"
                />
            </Show>
            <FormField
                label="Interval"
                name="interval"
                error
                value=interval
                hint="10s to 24h; the guides check every 5m."
                form="monitor"
                list="monitor-intervals"
            />
            <datalist id="monitor-intervals">
                <option value="30s"></option>
                <option value="1m"></option>
                <option value="5m"></option>
                <option value="15m"></option>
                <option value="1h"></option>
            </datalist>
            <Show when=move || !is_push()>
                <FormField label="Timeout" name="timeout" error value=timeout hint="Default 10s." form="monitor" />
            </Show>
            <Show when=is_push>
                <FormField
                    label="Grace"
                    name="grace"
                    error
                    value=grace
                    hint="Silence forgiven past the interval (default: the interval, at most 5m)."
                    form="monitor"
                />
            </Show>
            <Show when=is_http>
                <div class="field">
                    <label for="field-monitor-method">"Method"</label>
                    <select
                        id="field-monitor-method"
                        name="method"
                        prop:value=move || method.get()
                        on:change=move |ev| method.set(event_target_value(&ev))
                    >
                        {["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
                            .into_iter()
                            .map(|m| view! { <option value=m>{m}</option> })
                            .collect_view()}
                    </select>
                    <FieldError id="field-monitor-method-msg".to_owned() message=field_message(error, "method") />
                </div>
                <FormField
                    label="Headers"
                    name="headers"
                    error
                    value=headers
                    hint="One per line: Name: value."
                    form="monitor"
                    rows=3
                />
                <FormField
                    label="Request body"
                    name="body"
                    error
                    value=body
                    hint="Sent as is with POST, PUT or PATCH."
                    form="monitor"
                    rows=3
                />
                <label class="check">
                    <input type="checkbox" name="follow_redirects" bind:checked=follow />
                    "Follow redirects"
                </label>
                <label class="check">
                    <input type="checkbox" name="verify_tls" bind:checked=verify />
                    "Verify the TLS certificate"
                </label>
            </Show>
            <Show when=has_target>
                <FormField
                    label="Conditions"
                    name="conditions"
                    error
                    value=conditions
                    hint="One per line, all must hold, e.g. [STATUS] == 200, [RESPONSE_TIME] < 300, [BODY].status == ok. \
                    Empty: [STATUS] < 400 (HTTP) or [CONNECTED] == true. A health JSON body is read by itself."
                    form="monitor"
                    rows=3
                />
            </Show>
            <FormField
                label="Failures before down"
                name="failure_threshold"
                error
                value=failures
                hint="Consecutive checks (default 3; 1 for push)."
                form="monitor"
            />
            <FormField
                label="Successes before up"
                name="success_threshold"
                error
                value=successes
                hint="Consecutive checks (default 2)."
                form="monitor"
            />
            <AlertingFields custom_routing chosen channels error />
            <FormField
                label="Remind while down"
                name="reminder"
                error
                value=reminder
                hint="e.g. 30m: the alert again every so often; empty: off."
                form="monitor"
            />
            <FormField
                label="Declare an incident after"
                name="incident_after"
                error
                value=incident_after
                hint="e.g. 15m down: an incident is declared and linked here; empty: never."
                form="monitor"
            />
            <div class="field">
                <label for="field-monitor-incident_severity">"Incident severity"</label>
                <select
                    id="field-monitor-incident_severity"
                    name="incident_severity"
                    prop:value=move || incident_severity.get()
                    on:change=move |ev| incident_severity.set(event_target_value(&ev))
                >
                    {(1..=4).map(|n| view! { <option value=n.to_string()>{format!("Sev{n}")}</option> }).collect_view()}
                </select>
                <FieldError
                    id="field-monitor-incident_severity-msg".to_owned()
                    message=field_message(error, "incident_severity")
                />
            </div>
            <FormError error />
            <div class="actions">
                <button
                    type="button"
                    class="secondary"
                    disabled=move || check.pending().get() || is_push()
                    on:click=move |_| {
                        check.dispatch(CheckNow { draft: current() });
                    }
                >
                    {move || if check.pending().get() { "Checking…" } else { "Check now" }}
                </button>
                <button type="submit" disabled=move || save.pending().get()>
                    {if id.is_some() { "Save changes" } else { "Add monitor" }}
                </button>
            </div>
        </form>
        {move || check.value().get().and_then(Result::ok).map(|preview| view! { <Preview preview /> })}
    }
}

/// Where this monitor's alerts go: the default routing, or only the ticked channels.
#[component]
fn AlertingFields(
    custom_routing: RwSignal<bool>,
    chosen: RwSignal<Vec<String>>,
    /// Every channel's name.
    channels: Vec<String>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let channels = StoredValue::new(channels);
    let toggle = move |name: String, on: bool| {
        chosen.update(|list| {
            list.retain(|n| n != &name);
            if on {
                list.push(name);
            }
        })
    };
    view! {
        <fieldset class="field wide" aria-describedby="field-monitor-alert_channels-msg">
            <legend>"Alerts"</legend>
            <label class="check">
                <input
                    type="radio"
                    name="routing"
                    value="default"
                    prop:checked=move || !custom_routing.get()
                    on:change=move |_| custom_routing.set(false)
                />
                "Default routing: down to every channel, degraded to those taking degraded alerts"
            </label>
            <label class="check">
                <input
                    type="radio"
                    name="routing"
                    value="custom"
                    prop:checked=move || custom_routing.get()
                    on:change=move |_| custom_routing.set(true)
                />
                "Only these channels (down and degraded alike; none ticked: this monitor alerts nobody)"
            </label>
            <Show when=move || {
                custom_routing.get()
            }>
                {move || {
                    let list = channels.get_value();
                    if list.is_empty() {
                        return view! { <p class="hint">"No channels yet: add them under Settings → Alerts."</p> }
                            .into_any();
                    }
                    list.into_iter()
                        .map(|name| {
                            let (checked, changed) = (name.clone(), name.clone());
                            view! {
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        name="alert_channels"
                                        value=name.clone()
                                        prop:checked=move || chosen.with(|l| l.contains(&checked))
                                        on:change=move |ev| toggle(changed.clone(), event_target_checked(&ev))
                                    />
                                    {name}
                                </label>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </Show>
            <FieldError
                id="field-monitor-alert_channels-msg".to_owned()
                message=field_message(error, "alert_channels")
            />
        </fieldset>
    }
}

#[component]
fn Preview(preview: CheckPreview) -> impl IntoView {
    let class = state_class(preview.outcome.into());
    view! {
        <section class="card check-preview" aria-labelledby="preview-heading" aria-live="polite">
            <h2 id="preview-heading">"Check now: "<span class=class>{preview.outcome.label()}</span></h2>
            <p>{preview.message}</p>
            <ul class="conditions">
                {preview
                    .conditions
                    .into_iter()
                    .map(|c| {
                        view! {
                            <li class=if c.passed {
                                "pass"
                            } else {
                                "fail"
                            }>{if c.passed { "✓ " } else { "✗ " }} <code>{c.detail}</code></li>
                        }
                    })
                    .collect_view()}
            </ul>
            {(!preview.services.is_empty())
                .then(|| {
                    view! {
                        <p>"Services: "</p>
                        <ul class="services">
                            {preview
                                .services
                                .into_iter()
                                .map(|s| {
                                    let ms = s.response_ms.map(|ms| format!(" · {ms} ms")).unwrap_or_default();
                                    view! { <li>{format!("{} {}{ms}", s.name, s.status)}</li> }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
        </section>
    }
}
