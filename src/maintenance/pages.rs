//! `/maintenance`: the state, starting and scheduling windows, their history, and the gate's
//! access settings. Everyone sees the state; only roles that may manage maintenance get the controls.

use super::api::*;
use super::components::{LiveDurations, MaintenanceChanged};
use super::model::{AccessView, RecurrenceView, WindowView, DEFAULT_MESSAGE, DEFAULT_REASON};
use crate::auth::access::can;
use crate::auth::model::Permission;
use crate::error::AppError;
use crate::ui::{
    last_error, local_input_to_rfc3339, ErrorPanel, FieldError, FormError, FormField, PageHeader, Timestamp,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MaintenancePage() -> impl IntoView {
    let can_manage = can(Permission::ManageMaintenance);
    let changed = MaintenanceChanged::signal();
    let overview = Resource::new(move || changed.get(), |_| maintenance_overview());
    view! {
        <Title text="Maintenance" />
        <PageHeader
            title="Maintenance"
            subtitle="Put the site behind the maintenance page, on the spot or on a schedule."
        />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(o) => {
                        view! {
                            <CurrentState current=o.current.clone() can_manage />
                            <Show when=move || can_manage>
                                <div class="cards">
                                    <StartForm />
                                    <ScheduleForm />
                                </div>
                                <RecurringForm />
                            </Show>
                            <Upcoming windows=o.upcoming.clone() can_manage />
                            <Recurrences list=o.recurrences.clone() can_manage />
                            <Past windows=o.past.clone() />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <Show when=move || can_manage>
            <AccessSettings />
        </Show>
    }
}

/// Re-reads everything showing maintenance state once an action succeeds.
fn bump_on_success<T, S>(value: S)
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            MaintenanceChanged::bump();
        }
    });
}

#[component]
fn CurrentState(current: Option<WindowView>, can_manage: bool) -> impl IntoView {
    let Some(w) = current else {
        return view! {
            <section class="card state-off" aria-labelledby="state-heading">
                <h2 id="state-heading">"Maintenance is off"</h2>
                <p>"Visitors reach the site normally."</p>
            </section>
        }
        .into_any();
    };
    let end = ServerAction::<EndMaintenance>::new();
    let extend = ServerAction::<ExtendMaintenance>::new();
    bump_on_success(end.value());
    bump_on_success(extend.value());
    let end_error = last_error(end.value());
    let extend_error = last_error(extend.value());
    let (end_id, extend_id) = (w.id.to_string(), w.id.to_string());
    view! {
        <section class="card state-on" aria-labelledby="state-heading">
            <h2 id="state-heading">"Maintenance is on"</h2>
            <dl class="facts">
                <dt>"Reason"</dt>
                <dd>{w.reason.clone()}</dd>
                <dt>"Visitors read"</dt>
                <dd>{w.message.clone()}</dd>
                <dt>"Started"</dt>
                <dd>
                    <Timestamp at=w.starts_at() />
                </dd>
                <dt>"Planned end"</dt>
                <dd>
                    {match w.planned_end {
                        Some(at) => view! { <Timestamp at /> }.into_any(),
                        None => "when ended by hand".into_any(),
                    }}
                </dd>
                <dt>"Time"</dt>
                <dd>
                    <LiveDurations window=w.clone() />
                </dd>
            </dl>
            {can_manage
                .then(|| {
                    view! {
                        <div class="actions">
                            <ActionForm action=end attr:class="inline">
                                <input type="hidden" name="id" value=end_id />
                                <button type="submit" class="danger">
                                    "End maintenance now"
                                </button>
                            </ActionForm>
                            <ActionForm action=extend attr:class="inline">
                                <input type="hidden" name="id" value=extend_id />
                                <label for="extend-by">"Extend by"</label>
                                <select id="extend-by" name="by">
                                    <option value="15m">"15 min"</option>
                                    <option value="30m">"30 min"</option>
                                    <option value="1h">"1 h"</option>
                                    <option value="2h">"2 h"</option>
                                </select>
                                <button type="submit" class="secondary">
                                    "Extend"
                                </button>
                            </ActionForm>
                        </div>
                        <FormError error=end_error />
                        <FieldError
                            id="extend-msg".to_owned()
                            message=Signal::derive(move || extend_error.get().map(|e| e.to_string()))
                        />
                    }
                })}
        </section>
    }
    .into_any()
}

#[component]
fn StartForm() -> impl IntoView {
    let start = ServerAction::<StartMaintenance>::new();
    bump_on_success(start.value());
    let error = last_error(start.value());
    view! {
        <section class="card" aria-labelledby="start-heading">
            <h2 id="start-heading">"Start now"</h2>
            <ActionForm action=start>
                <FormField
                    form="start"
                    label="Reason (shown to visitors and the team)"
                    name="reason"
                    error
                    hint=DEFAULT_REASON
                />
                <FormField form="start" label="Message for visitors" name="message" error hint=DEFAULT_MESSAGE />
                <FormField
                    form="start"
                    label="Expected duration"
                    name="duration"
                    error
                    hint="e.g. 30m or 2h; empty: until you end it."
                />
                <FormError error />
                <button type="submit" disabled=move || start.pending().get()>
                    "Start maintenance"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ScheduleForm() -> impl IntoView {
    let schedule = ServerAction::<ScheduleMaintenance>::new();
    bump_on_success(schedule.value());
    let error = last_error(schedule.value());
    let (reason, message, starts, duration) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("1h".to_owned()),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        schedule.dispatch(ScheduleMaintenance {
            reason: reason.get_untracked(),
            message: message.get_untracked(),
            starts_at: local_input_to_rfc3339(&starts.get_untracked()),
            duration: duration.get_untracked(),
        });
    };
    view! {
        <section class="card" aria-labelledby="schedule-heading">
            <h2 id="schedule-heading">"Schedule a window"</h2>
            <form on:submit=submit>
                <FormField form="schedule" label="Reason" name="reason" error value=reason hint=DEFAULT_REASON />
                <FormField
                    form="schedule"
                    label="Message for visitors"
                    name="message"
                    error
                    value=message
                    hint=DEFAULT_MESSAGE
                />
                <FormField
                    form="schedule"
                    label="Starts (your local time)"
                    name="starts_at"
                    kind="datetime-local"
                    error
                    value=starts
                    required=true
                />
                <FormField
                    form="schedule"
                    label="Duration"
                    name="duration"
                    error
                    value=duration
                    hint="e.g. 30m or 2h."
                />
                <FormError error />
                <button type="submit" disabled=move || schedule.pending().get()>
                    "Schedule"
                </button>
            </form>
        </section>
    }
}

const WEEKDAYS: [(&str, &str); 7] =
    [("mon", "Mon"), ("tue", "Tue"), ("wed", "Wed"), ("thu", "Thu"), ("fri", "Fri"), ("sat", "Sat"), ("sun", "Sun")];

/// The viewer's IANA timezone, as the browser knows it. Through the bindings, never by
/// evaluating a string: the pages' CSP forbids `eval`, and the exception it throws inside a task
/// left that task's state borrowed, so the next wake-up panicked and the page stopped.
fn browser_timezone() -> Option<String> {
    use leptos::web_sys::js_sys::{Array, Intl, Object, Reflect};
    let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
}

#[component]
fn RecurringForm() -> impl IntoView {
    let create = ServerAction::<CreateRecurrence>::new();
    let preview = ServerAction::<PreviewRecurrence>::new();
    bump_on_success(create.value());
    let error = Signal::derive(move || {
        create.value().get().and_then(Result::err).or_else(|| preview.value().get().and_then(Result::err))
    });
    let text = |initial: &str| RwSignal::new(initial.to_owned());
    let (reason, message, time, timezone, duration, from, until) =
        (text(""), text(""), text("02:00"), text("UTC"), text("1h"), text(""), text(""));
    let weekdays = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        if let Some(zone) = browser_timezone() {
            timezone.set(zone);
        }
    });
    let form = move || RecurrenceForm {
        reason: reason.get_untracked(),
        message: message.get_untracked(),
        weekdays: weekdays.get_untracked(),
        time: time.get_untracked(),
        timezone: timezone.get_untracked(),
        duration: duration.get_untracked(),
        active_from: from.get_untracked(),
        active_until: until.get_untracked(),
    };
    let days = WEEKDAYS
        .into_iter()
        .map(|(value, label)| {
            let checked = move || weekdays.with(|days| days.iter().any(|d| d == value));
            let toggle = move |_| {
                weekdays.update(|days| match days.iter().position(|d| d == value) {
                    Some(i) => {
                        days.remove(i);
                    }
                    None => days.push(value.to_owned()),
                })
            };
            view! {
                <label class="check">
                    <input type="checkbox" name="weekdays" value=value prop:checked=checked on:change=toggle />
                    {label}
                </label>
            }
        })
        .collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateRecurrence { form: form() });
    };
    let show_preview = move |_| {
        preview.dispatch(PreviewRecurrence { form: form() });
    };
    let next = move || {
        create.value().get().and_then(Result::ok).map(|r| r.next).or_else(|| preview.value().get().and_then(Result::ok))
    };
    view! {
        <section class="card" aria-labelledby="recurring-heading">
            <h2 id="recurring-heading">"Recurring window"</h2>
            <form on:submit=submit>
                <fieldset aria-describedby="field-weekdays-msg">
                    <legend>"On"</legend>
                    {days}
                    <FieldError
                        id="field-weekdays-msg".to_owned()
                        message=Signal::derive(move || error.get().and_then(|e| e.field_message("weekdays")))
                    />
                </fieldset>
                <div class="row">
                    <FormField
                        form="recurring"
                        label="At (local time)"
                        name="time"
                        kind="time"
                        error
                        value=time
                        required=true
                    />
                    <FormField
                        form="recurring"
                        label="Timezone"
                        name="timezone"
                        error
                        value=timezone
                        hint="IANA name, e.g. Europe/Madrid."
                        required=true
                    />
                    <FormField
                        form="recurring"
                        label="Duration"
                        name="duration"
                        error
                        value=duration
                        hint="At most 1 day."
                        required=true
                    />
                </div>
                <div class="row">
                    <FormField
                        form="recurring"
                        label="Active from (optional)"
                        name="active_from"
                        kind="date"
                        error
                        value=from
                    />
                    <FormField
                        form="recurring"
                        label="Active until (optional)"
                        name="active_until"
                        kind="date"
                        error
                        value=until
                    />
                </div>
                <FormField form="recurring" label="Reason" name="reason" error value=reason hint=DEFAULT_REASON />
                <FormField
                    form="recurring"
                    label="Message for visitors"
                    name="message"
                    error
                    value=message
                    hint=DEFAULT_MESSAGE
                />
                <FormError error />
                <div class="actions">
                    <button type="button" class="secondary" on:click=show_preview>
                        "Preview next 5"
                    </button>
                    <button type="submit" disabled=move || create.pending().get()>
                        "Save recurring window"
                    </button>
                </div>
            </form>
            {move || {
                next()
                    .map(|list| {
                        view! {
                            <div role="status">
                                <h3>"Next occurrences"</h3>
                                <ol class="occurrences">
                                    {list
                                        .into_iter()
                                        .map(|at| {
                                            view! {
                                                <li>
                                                    <Timestamp at />
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ol>
                            </div>
                        }
                    })
            }}
        </section>
    }
}

fn span(w: &WindowView) -> impl IntoView {
    let end = w.planned_end;
    view! {
        <Timestamp at=w.planned_start />
        " → "
        {match end {
            Some(at) => view! { <Timestamp at /> }.into_any(),
            None => "until ended".into_any(),
        }}
    }
}

#[component]
fn Upcoming(windows: Vec<WindowView>, can_manage: bool) -> impl IntoView {
    let cancel = ServerAction::<CancelMaintenance>::new();
    bump_on_success(cancel.value());
    let error = last_error(cancel.value());
    let empty = windows.is_empty();
    view! {
        <section aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">"Upcoming"</h2>
            <FormError error />
            <Show when=move || !empty fallback=|| view! { <p class="empty">"Nothing scheduled."</p> }>
                <div class="table-wrap">
                    <table>
                        <thead>
                            <tr>
                                <th scope="col">"#"</th>
                                <th scope="col">"When"</th>
                                <th scope="col">"Reason"</th>
                                <th scope="col">"From"</th>
                                <th scope="col">
                                    <span class="sr-only">"Actions"</span>
                                </th>
                            </tr>
                        </thead>
                        <tbody>
                            {windows
                                .clone()
                                .into_iter()
                                .map(|w| {
                                    let id = w.id.to_string();
                                    view! {
                                        <tr>
                                            <td>{w.id}</td>
                                            <td>{span(&w)}</td>
                                            <td>{w.reason.clone()}</td>
                                            <td>
                                                {w
                                                    .recurrence_id
                                                    .map(|r| format!("recurrence #{r}"))
                                                    .unwrap_or_else(|| w.created_by.clone())}
                                            </td>
                                            <td>
                                                {can_manage
                                                    .then(|| {
                                                        view! {
                                                            <ActionForm action=cancel attr:class="inline">
                                                                <input type="hidden" name="id" value=id />
                                                                <button type="submit" class="secondary">
                                                                    "Cancel"
                                                                </button>
                                                            </ActionForm>
                                                        }
                                                    })}
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}

#[component]
fn Recurrences(list: Vec<RecurrenceView>, can_manage: bool) -> impl IntoView {
    let stop = ServerAction::<StopRecurrence>::new();
    bump_on_success(stop.value());
    let error = last_error(stop.value());
    let empty = list.is_empty();
    view! {
        <section aria-labelledby="recurrences-heading">
            <h2 id="recurrences-heading">"Recurring windows"</h2>
            <FormError error />
            <Show when=move || !empty fallback=|| view! { <p class="empty">"None."</p> }>
                <ul class="recurrences">
                    {list
                        .clone()
                        .into_iter()
                        .map(|r| {
                            let id = r.id.to_string();
                            let active = r.active;
                            view! {
                                <li>
                                    <strong>{r.reason.clone()}</strong>
                                    " · "
                                    {r.summary.clone()}
                                    {(!active).then_some(" · stopped")}
                                    {r
                                        .next
                                        .first()
                                        .copied()
                                        .filter(|_| active)
                                        .map(|at| view! { <span class="hint">" · next: "<Timestamp at /></span> })}
                                    {(can_manage && active)
                                        .then(|| {
                                            view! {
                                                <ActionForm action=stop attr:class="inline">
                                                    <input type="hidden" name="id" value=id />
                                                    <button type="submit" class="secondary">
                                                        "Stop"
                                                    </button>
                                                </ActionForm>
                                            }
                                        })}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn Past(windows: Vec<WindowView>) -> impl IntoView {
    let empty = windows.is_empty();
    view! {
        <section aria-labelledby="past-heading">
            <h2 id="past-heading">"Past windows"</h2>
            <Show when=move || !empty fallback=|| view! { <p class="empty">"None yet."</p> }>
                <ul class="past-windows">
                    {windows
                        .clone()
                        .into_iter()
                        .map(|w| {
                            view! {
                                <li>
                                    <details>
                                        <summary>
                                            {format!("#{} ", w.id)}<strong>{w.reason.clone()}</strong>" · "
                                            {w.state.label()} {w.missed.then_some(" (missed)")}" · "{span(&w)}
                                        </summary>
                                        <ol class="history">
                                            {w
                                                .history
                                                .iter()
                                                .cloned()
                                                .map(|e| {
                                                    view! {
                                                        <li>
                                                            <Timestamp at=e.at />
                                                            " · "
                                                            <code>{e.kind}</code>
                                                            " · "
                                                            {e.actor}
                                                            {(!e.detail.is_empty())
                                                                .then(|| format!(" · {}", e.detail))}
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ol>
                                    </details>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn AccessSettings() -> impl IntoView {
    let allow = ServerAction::<AllowNetwork>::new();
    let disallow = ServerAction::<DisallowNetwork>::new();
    let paths = ServerAction::<SetExcludedPaths>::new();
    let site = ServerAction::<SetSite>::new();
    let rotate = ServerAction::<RotateBypassKey>::new();
    let access = Resource::new(
        move || {
            (
                allow.version().get(),
                disallow.version().get(),
                paths.version().get(),
                site.version().get(),
                rotate.version().get(),
            )
        },
        |_| maintenance_access(),
    );
    view! {
        <h2 class="section-title">"Who gets through the gate"</h2>
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match access.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(a) => {
                        view! {
                            <div class="cards">
                                <Allowlist access=a.clone() allow disallow />
                                <BypassKey access=a.clone() rotate />
                                <ExcludedPathsForm access=a.clone() paths />
                                <SiteForm access=a site />
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Allowlist(
    access: AccessView,
    allow: ServerAction<AllowNetwork>,
    disallow: ServerAction<DisallowNetwork>,
) -> impl IntoView {
    let error = last_error(allow.value());
    let remove_error = last_error(disallow.value());
    view! {
        <section class="card" aria-labelledby="allowlist-heading">
            <h3 id="allowlist-heading">"Allowed addresses"</h3>
            <p class="hint">"These addresses and networks (IPv4 or IPv6) always reach the site."</p>
            <ul class="allowlist">
                {access
                    .allowlist
                    .into_iter()
                    .map(|a| {
                        let network = a.network.clone();
                        view! {
                            <li>
                                <code>{a.network.clone()}</code>
                                {(!a.label.is_empty()).then(|| format!(" · {}", a.label))}
                                <ActionForm action=disallow attr:class="inline">
                                    <input type="hidden" name="network" value=network />
                                    <button type="submit" class="secondary" aria-label=format!("Remove {}", a.network)>
                                        "Remove"
                                    </button>
                                </ActionForm>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <FormError error=remove_error />
            <ActionForm action=allow>
                <FormField
                    label="Address or network"
                    name="network"
                    error
                    hint="e.g. 203.0.113.7, 198.51.100.0/24, 2001:db8::/32"
                    required=true
                />
                <FormField label="Label" name="label" error hint="Whose it is, e.g. office VPN." />
                <FormError error />
                <button type="submit">"Allow"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn BypassKey(access: AccessView, rotate: ServerAction<RotateBypassKey>) -> impl IntoView {
    let link = access.bypass_link();
    let copied = RwSignal::new(false);
    let copy_link = {
        let link = link.clone();
        move |_| {
            // `navigator.clipboard.writeText(link)`, called through the bindings (the CSP forbids eval).
            use leptos::wasm_bindgen::{JsCast, JsValue};
            use leptos::web_sys::js_sys::{Function, Reflect};
            let navigator = Reflect::get(&window(), &"navigator".into()).ok();
            let clipboard = navigator.and_then(|n| Reflect::get(&n, &"clipboard".into()).ok());
            let write = clipboard.as_ref().and_then(|c| Reflect::get(c, &"writeText".into()).ok());
            let written = match (clipboard, write.and_then(|w| w.dyn_into::<Function>().ok())) {
                (Some(clipboard), Some(write)) => write.call1(&clipboard, &JsValue::from_str(&link)).is_ok(),
                _ => false,
            };
            copied.set(written);
        }
    };
    let error = last_error(rotate.value());
    view! {
        <section class="card" aria-labelledby="bypass-heading">
            <h3 id="bypass-heading">"Bypass link"</h3>
            <p class="hint">
                "Opening it through the gate sets a 12-hour cookie that lets the browser in. Rotating the key ends every such cookie."
            </p>
            <label for="bypass-link">"Link"</label>
            <input id="bypass-link" class="mono" readonly value=link />
            <div class="actions">
                <button type="button" class="secondary" on:click=copy_link>
                    "Copy link"
                </button>
                <span role="status">{move || copied.get().then_some("Copied.")}</span>
                <ActionForm action=rotate attr:class="inline">
                    <button type="submit" class="danger">
                        "Rotate key"
                    </button>
                </ActionForm>
            </div>
            <FormError error />
        </section>
    }
}

#[component]
fn ExcludedPathsForm(access: AccessView, paths: ServerAction<SetExcludedPaths>) -> impl IntoView {
    let error = last_error(paths.value());
    let saved = move || paths.value().get().is_some_and(|r| r.is_ok());
    view! {
        <section class="card" aria-labelledby="paths-heading">
            <h3 id="paths-heading">"Always-open paths"</h3>
            <ActionForm action=paths>
                <label for="field-paths">"One path per line (covers what lies below it)"</label>
                <textarea id="field-paths" name="paths" rows="7" aria-describedby="field-paths-msg">
                    {access.excluded_paths.join("\n")}
                </textarea>
                <FieldError
                    id="field-paths-msg".to_owned()
                    message=Signal::derive(move || error.get().and_then(|e| e.field_message("paths")))
                />
                <FormError error />
                <button type="submit">"Save paths"</button>
                <span role="status">{move || saved().then_some(" Saved.")}</span>
            </ActionForm>
        </section>
    }
}

#[component]
fn SiteForm(access: AccessView, site: ServerAction<SetSite>) -> impl IntoView {
    let error = last_error(site.value());
    let s = access.site;
    let (name, url, status, support) = (
        RwSignal::new(s.site_name),
        RwSignal::new(s.site_url),
        RwSignal::new(s.status_url),
        RwSignal::new(s.support_contact),
    );
    let saved = move || site.value().get().is_some_and(|r| r.is_ok());
    view! {
        <section class="card" aria-labelledby="site-heading">
            <h3 id="site-heading">"The maintenance page"</h3>
            <ActionForm action=site>
                <FormField label="Site name" name="site_name" error value=name required=true />
                <FormField
                    label="Site address"
                    name="site_url"
                    error
                    value=url
                    hint="Where the gate is reached, for the bypass link, e.g. https://shop.example.com"
                />
                <FormField label="Status page" name="status_url" error value=status />
                <FormField
                    label="Support contact"
                    name="support_contact"
                    error
                    value=support
                    hint="An email address or a URL."
                />
                <FormError error />
                <button type="submit">"Save"</button>
                <span role="status">{move || saved().then_some(" Saved.")}</span>
            </ActionForm>
        </section>
    }
}
