//! `/settings/alerts` (owner): the channels alerts go to, the SMTP server email goes through, a
//! test button per channel, and the delivery log with every attempt's answer.

use super::super::api::{alert_settings, AddChannel, AlertsPageData, RemoveChannel, SaveSmtp, SendTestAlert};
use super::super::model::{ChannelDraft, ChannelKind, ChannelView, DeliveryView, SmtpDraft, SmtpSecurity, SmtpView};
use crate::auth::access::RequirePermission;
use crate::auth::model::Permission;
use crate::ui::{
    field_message, last_error, reload_on_success, ErrorPanel, FieldError, FormError, FormField, PageHeader, Timestamp,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AlertsPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let settings = Resource::new(move || reload.get(), |_| alert_settings());
    view! {
        <Title text="Alerts" />
        <PageHeader
            title="Alerts"
            subtitle="Down alerts every channel; degraded only those that take it; a recovery goes where its alert went."
        />
        <RequirePermission permission=Permission::ManageMonitors>
            <Transition fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        Ok(AlertsPageData { channels, smtp, deliveries }) => {
                            view! {
                                <Channels channels reload />
                                <div class="cards">
                                    <AddChannelForm reload />
                                    <SmtpForm smtp reload />
                                </div>
                                <Deliveries deliveries />
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn Channels(channels: Vec<ChannelView>, reload: RwSignal<u32>) -> impl IntoView {
    let test = ServerAction::<SendTestAlert>::new();
    let remove = ServerAction::<RemoveChannel>::new();
    reload_on_success(test.value(), reload);
    reload_on_success(remove.value(), reload);
    let test_error = last_error(test.value());
    let remove_error = last_error(remove.value());
    view! {
        <section class="card wide" aria-labelledby="channels-heading">
            <h2 id="channels-heading">"Channels"</h2>
            {if channels.is_empty() {
                view! { <p class="empty">"No channel yet: alerts go nowhere."</p> }.into_any()
            } else {
                view! {
                    <table class="list">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Kind"</th>
                                <th scope="col">"To"</th>
                                <th scope="col">"Degraded too"</th>
                                <th scope="col">"Health"</th>
                                <th scope="col">"Actions"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {channels
                                .into_iter()
                                .map(|c| {
                                    let id = c.id;
                                    let health = match c.failing_since {
                                        Some(_) => format!("failing: {}", c.last_error),
                                        None => "ok".to_owned(),
                                    };
                                    view! {
                                        <tr>
                                            <td>{c.name.clone()}</td>
                                            <td>{c.kind.label()} {c.signed.then_some(" (signed)")}</td>
                                            <td>
                                                <code>{c.target.clone()}</code>
                                            </td>
                                            <td>{if c.on_degraded { "yes" } else { "no" }}</td>
                                            <td>{health}</td>
                                            <td>
                                                <button
                                                    type="button"
                                                    class="secondary"
                                                    aria-label=format!("Send a test alert to {}", c.name)
                                                    on:click=move |_| {
                                                        test.dispatch(SendTestAlert { id });
                                                    }
                                                >
                                                    "Send a test alert"
                                                </button>
                                                <button
                                                    type="button"
                                                    class="danger"
                                                    aria-label=format!("Remove {}", c.name)
                                                    on:click=move |_| {
                                                        remove.dispatch(RemoveChannel { id });
                                                    }
                                                >
                                                    "Remove"
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
            <FormError error=test_error />
            <FormError error=remove_error />
        </section>
    }
}

#[component]
fn AddChannelForm(reload: RwSignal<u32>) -> impl IntoView {
    let add = ServerAction::<AddChannel>::new();
    reload_on_success(add.value(), reload);
    let error = last_error(add.value());
    let (name, kind, target, secret) = (
        RwSignal::new(String::new()),
        RwSignal::new("slack".to_owned()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(AddChannel {
            draft: ChannelDraft {
                name: name.get_untracked(),
                kind: kind.get_untracked(),
                target: target.get_untracked(),
                secret: secret.get_untracked(),
                on_degraded: None,
            },
        });
    };
    view! {
        <section class="card" aria-labelledby="add-channel-heading">
            <h2 id="add-channel-heading">"Add a channel"</h2>
            <form on:submit=submit class="grid-form">
                <FormField form="channel" label="Name" name="name" error value=name required=true />
                <div class="field">
                    <label for="field-channel-kind">"Kind"</label>
                    <select
                        id="field-channel-kind"
                        name="kind"
                        prop:value=move || kind.get()
                        on:change=move |ev| kind.set(event_target_value(&ev))
                    >
                        {ChannelKind::ALL
                            .iter()
                            .map(|k| view! { <option value=k.as_str()>{k.label()}</option> })
                            .collect_view()}
                    </select>
                    <FieldError id="field-channel-kind-msg".to_owned() message=field_message(error, "kind") />
                </div>
                <FormField
                    form="channel"
                    label="Send to"
                    name="target"
                    error
                    value=target
                    hint="Email: addresses, comma-separated. Slack: the incoming webhook URL. Webhook: its URL."
                />
                <Show when=move || kind.get() == "webhook">
                    <FormField
                        form="channel"
                        label="Signing secret"
                        name="secret"
                        kind="password"
                        error
                        value=secret
                        hint="At least 16 characters; Pitwall signs each body with it (X-Pitwall-Signature)."
                    />
                </Show>
                <FormError error />
                <button type="submit" disabled=move || add.pending().get()>
                    "Add channel"
                </button>
            </form>
        </section>
    }
}

#[component]
fn SmtpForm(smtp: Option<SmtpView>, reload: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SaveSmtp>::new();
    reload_on_success(save.value(), reload);
    let error = last_error(save.value());
    let has_password = smtp.as_ref().is_some_and(|s| s.has_password);
    let text = |value: String| RwSignal::new(value);
    let host = text(smtp.as_ref().map(|s| s.host.clone()).unwrap_or_default());
    let port = text(smtp.as_ref().map(|s| s.port.to_string()).unwrap_or_default());
    let security = text(smtp.as_ref().map(|s| s.security.as_str().to_owned()).unwrap_or_else(|| "starttls".into()));
    let username = text(smtp.as_ref().map(|s| s.username.clone()).unwrap_or_default());
    let password = text(String::new());
    let from = text(smtp.as_ref().map(|s| s.from_address.clone()).unwrap_or_default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveSmtp {
            draft: SmtpDraft {
                host: host.get_untracked(),
                port: port.get_untracked(),
                security: security.get_untracked(),
                username: username.get_untracked(),
                password: password.get_untracked(),
                from_address: from.get_untracked(),
            },
        });
    };
    view! {
        <section class="card" aria-labelledby="smtp-heading">
            <h2 id="smtp-heading">"Email (SMTP)"</h2>
            <form on:submit=submit class="grid-form">
                <FormField form="smtp" label="SMTP host" name="host" error value=host required=true />
                <div class="field">
                    <label for="field-smtp-security">"Security"</label>
                    <select
                        id="field-smtp-security"
                        name="security"
                        prop:value=move || security.get()
                        on:change=move |ev| security.set(event_target_value(&ev))
                    >
                        {SmtpSecurity::ALL
                            .iter()
                            .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <FormField
                    form="smtp"
                    label="Port"
                    name="port"
                    error
                    value=port
                    hint="Empty: 587, 465 or 25 by security."
                />
                <FormField form="smtp" label="User name" name="username" error value=username autocomplete="off" />
                <FormField
                    form="smtp"
                    label="Password"
                    name="password"
                    kind="password"
                    error
                    value=password
                    autocomplete="new-password"
                    hint=if has_password {
                        "Stored; never shown. Empty keeps it."
                    } else {
                        "Never shown again once saved."
                    }
                />
                <FormField form="smtp" label="From address" name="from_address" error value=from required=true />
                <FormError error />
                <button type="submit" disabled=move || save.pending().get()>
                    "Save SMTP settings"
                </button>
            </form>
        </section>
    }
}

#[component]
fn Deliveries(deliveries: Vec<DeliveryView>) -> impl IntoView {
    view! {
        <section class="card wide" aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">"Delivery log"</h2>
            <table class="list">
                <thead>
                    <tr>
                        <th scope="col">"Queued"</th>
                        <th scope="col">"Channel"</th>
                        <th scope="col">"Message"</th>
                        <th scope="col">"Attempts"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Last answer"</th>
                    </tr>
                </thead>
                <tbody>
                    {deliveries
                        .into_iter()
                        .map(|d| {
                            let state = match (d.delivered_at, d.gave_up, d.next_attempt_at) {
                                (Some(at), _, _) => {
                                    view! {
                                        "delivered "
                                        <Timestamp at />
                                    }
                                        .into_any()
                                }
                                (None, true, _) => "given up".into_any(),
                                (None, false, Some(at)) => {
                                    view! {
                                        "next try "
                                        <Timestamp at />
                                    }
                                        .into_any()
                                }
                                (None, false, None) => "queued".into_any(),
                            };
                            view! {
                                <tr>
                                    <td>
                                        <Timestamp at=d.created_at />
                                    </td>
                                    <td>{d.channel}</td>
                                    <td>{d.kind.label()} " · " {d.subject}</td>
                                    <td>{d.attempts}</td>
                                    <td>{state}</td>
                                    <td>{d.last_answer}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
