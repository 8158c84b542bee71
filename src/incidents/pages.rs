//! The incident pages: the list, one incident's live page, its post-mortem, action items, KPIs
//! and the severity definitions. Everyone reads; support and owner get the controls.

use super::api::*;
use super::components::{SeverityBadge, SlaClocks, StatusBadge};
use super::model::{
    ActionStatus, Impact, Incident, IncidentDraft, IncidentFilter, IncidentPatch, Kpis, Person, Postmortem,
    PostmortemSections, PostmortemStatus, Severity, SeverityPolicy, Status, TimelineEvent,
};
use crate::app::use_me;
use crate::auth::model::Permission;
use crate::error::AppError;
use crate::ui::{
    human_duration, last_error, local_input_to_rfc3339, percent_encode, title_text, to_local_input, use_ticking_clock,
    ErrorPanel, FieldError, FormError, FormField, PageHeader, Timestamp,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

fn can_manage() -> bool {
    use_me().is_some_and(|me| me.role.can(Permission::ManageIncidents))
}

/// Re-reads the page's data once an action succeeds.
fn reload_on_success<T, S>(value: S, reload: RwSignal<u32>)
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            reload.update(|n| *n += 1);
        }
    });
}

fn field_message(error: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|e| e.field_message(field)))
}

#[component]
fn IncidentsNav() -> impl IntoView {
    view! {
        <nav class="subnav" aria-label="Incidents">
            <a href="/incidents">"All incidents"</a>
            <a href="/incidents/action-items">"Action items"</a>
            <a href="/incidents/metrics">"Metrics"</a>
            <a href="/incidents/severities">"Severities & SLAs"</a>
        </nav>
    }
}

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let filter = RwSignal::new(IncidentFilter::default());
    let list = Resource::new(move || filter.get(), list_incidents);
    view! {
        <Title text="Incidents"/>
        <PageHeader title="Incidents" subtitle="Open incidents first, the most urgent at the top."/>
        <IncidentsNav/>
        <Show when=can_manage>
            <DeclareForm/>
        </Show>
        <FilterBar filter/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) if list.incidents.is_empty() => view! { <p class="empty">"No incidents match."</p> }.into_any(),
                    Ok(list) => {
                        let now = use_ticking_clock(list.server_now);
                        view! {
                            <table class="incidents">
                                <thead><tr><th>"Severity"</th><th>"Incident"</th><th>"Status"</th><th>"Clocks"</th><th>"Declared"</th></tr></thead>
                                <tbody>
                                    {list.incidents.into_iter().map(|i| view! {
                                        <tr data-incident=i.id.to_string()>
                                            <td><SeverityBadge severity=i.severity/></td>
                                            <td><a href=format!("/incidents/{}", i.id)>{i.title.clone()}</a>
                                                <div class="hint">{i.components.join(", ")}</div></td>
                                            <td><StatusBadge status=i.status/></td>
                                            <td><SlaClocks sla=i.sla.clone() now/></td>
                                            <td><Timestamp at=i.times.declared_at/></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn FilterBar(filter: RwSignal<IncidentFilter>) -> impl IntoView {
    let text = |initial: &str| RwSignal::new(initial.to_owned());
    let (status, severity, from, to, q) = (text(""), text(""), text(""), text(""), text(""));
    let (mine, breached) = (RwSignal::new(false), RwSignal::new(false));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        filter.set(IncidentFilter {
            status: status.get_untracked(),
            severity: severity.get_untracked(),
            mine: mine.get_untracked(),
            breached: breached.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
            q: q.get_untracked(),
        });
    };
    view! {
        <form class="filters" on:submit=submit role="search">
            <label>"Search "<input type="search" name="q" bind:value=q placeholder="title or component"/></label>
            <label>"Show status "
                <select name="status" on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    <option value="open">"Open"</option>
                    {Status::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Show severity "
                <select name="severity" on:change=move |ev| severity.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {Severity::ALL.iter().map(|s| view! { <option value=s.level().to_string()>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <label class="check"><input type="checkbox" name="mine" prop:checked=move || mine.get() on:change=move |ev| mine.set(event_target_checked(&ev))/>"Mine"</label>
            <label class="check"><input type="checkbox" name="breached" prop:checked=move || breached.get() on:change=move |ev| breached.set(event_target_checked(&ev))/>"Breached"</label>
            <label>"Declared from "<input type="date" name="from" bind:value=from/></label>
            <label>"Declared to "<input type="date" name="to" bind:value=to/></label>
            <button type="submit" class="secondary">"Filter"</button>
        </form>
    }
}

#[component]
fn DeclareForm() -> impl IntoView {
    let declare = ServerAction::<DeclareIncident>::new();
    let error = last_error(declare.value());
    let text = |initial: &str| RwSignal::new(initial.to_owned());
    let (title, severity, impact, components, started) = (text(""), text("2"), text(""), text(""), text(""));
    Effect::new(move |_| {
        if let Some(Ok(incident)) = declare.value().get() {
            use_navigate()(&format!("/incidents/{}", incident.id), Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let started = started.get_untracked();
        declare.dispatch(DeclareIncident {
            draft: IncidentDraft {
                title: title.get_untracked(),
                severity: severity.get_untracked().parse().ok(),
                impact: Some(impact.get_untracked()),
                components: vec![components.get_untracked()],
                started_at: (!started.is_empty()).then(|| local_input_to_rfc3339(&started)),
                ..IncidentDraft::default()
            },
        });
    };
    view! {
        <section class="card" aria-labelledby="declare-heading">
            <h2 id="declare-heading">"Declare an incident"</h2>
            <form on:submit=submit class="grid-form">
                <FormField form="declare" label="Title" name="title" error value=title required=true/>
                <div class="field">
                    <label for="field-declare-severity">"Severity"</label>
                    <select id="field-declare-severity" name="severity" on:change=move |ev| severity.set(event_target_value(&ev))>
                        <option value="1">"Sev1 · service down for everyone"</option>
                        <option value="2" selected=true>"Sev2 · degraded"</option>
                        <option value="3">"Sev3 · minor"</option>
                        <option value="4">"Sev4 · low"</option>
                    </select>
                    <FieldError id="field-declare-severity-msg".to_owned() message=field_message(error, "severity")/>
                </div>
                <div class="field">
                    <label for="field-declare-impact">"Impact"</label>
                    <select id="field-declare-impact" name="impact" on:change=move |ev| impact.set(event_target_value(&ev))>
                        <option value="">"From the severity"</option>
                        {Impact::ALL.iter().map(|i| view! { <option value=i.as_str()>{i.label()}</option> }).collect_view()}
                    </select>
                </div>
                <FormField form="declare" label="Affected components" name="components" error value=components hint="Comma-separated, e.g. api, checkout."/>
                <FormField form="declare" label="Started (if earlier than now; your local time)" name="started_at" kind="datetime-local" error value=started/>
                <FormError error/>
                <button type="submit" disabled=move || declare.pending().get()>"Declare"</button>
            </form>
        </section>
    }
}

fn incident_id() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| id.parse().ok()))
}

fn load_incident(reload: RwSignal<u32>) -> Resource<Result<IncidentDetail, AppError>> {
    let id = incident_id();
    Resource::new(
        move || (id.get(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_incident(id).await,
                None => Err(AppError::not_found("Incident")),
            }
        },
    )
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let page = load_incident(reload);
    view! {
        <IncidentsNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <IncidentView page reload/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn IncidentView(page: IncidentDetail, reload: RwSignal<u32>) -> impl IntoView {
    let manage = can_manage();
    let i = page.incident.clone();
    let id = i.id;
    let postmortem_link = match &page.postmortem {
        Some(pm) => view! {
            <a href=format!("/incidents/{id}/postmortem")>{format!("Post-mortem ({}) →", pm.status.label())}</a>
        }
        .into_any(),
        None if manage => view! { <StartPostmortemButton id reload/> }.into_any(),
        None => view! { <span class="hint">"No post-mortem yet."</span> }.into_any(),
    };
    view! {
        <Title text=title_text(&format!("#{id} {}", i.title))/>
        <header class="page-header incident-header">
            <h1><SeverityBadge severity=i.severity/>" "{i.title.clone()}</h1>
            <p class="subtitle">
                <StatusBadge status=i.status/>" · impact "{i.impact.label()}
                " · components: "{if i.components.is_empty() { "none".to_owned() } else { i.components.join(", ") }}
            </p>
        </header>
        <SlaClocks sla=i.sla.clone() now=use_ticking_clock(page.server_now)/>
        <section class="card">
            <dl class="facts">
                <dt>"Commander"</dt><dd>{person_text(&i.commander)}</dd>
                <dt>"Assignee"</dt><dd>{person_text(&i.assignee)}</dd>
                <dt>"Started"</dt><dd><Timestamp at=i.times.started_at/></dd>
                <dt>"Declared"</dt><dd><Timestamp at=i.times.declared_at/>" by "{i.created_by.clone()}</dd>
                <dt>"First response"</dt><dd>{optional_time(i.times.acknowledged_at)}</dd>
                <dt>"Mitigated"</dt><dd>{optional_time(i.times.mitigated_at)}</dd>
                <dt>"Resolved"</dt><dd>{optional_time(i.times.resolved_at)}</dd>
                <dt>"Targets"</dt><dd>{format!("respond within {}, resolve within {} ({} targets as declared)",
                    human_duration(i.targets.response_s as u64), human_duration(i.targets.resolution_s as u64), i.severity.label())}</dd>
            </dl>
            <div class="actions">{postmortem_link}<ExportLink id/></div>
        </section>
        {manage.then(|| view! {
            <QuickActions incident=i.clone() people=page.people.clone() policies=page.policies.clone() reload/>
            <PostForm id reload/>
        })}
        <section class="card" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">"Timeline"</h2>
            <ol class="timeline">
                {page.timeline.into_iter().map(|event| view! { <TimelineEntry event manage reload/> }).collect_view()}
            </ol>
        </section>
        {manage.then(|| view! { <TimesForm incident=i reload/> })}
    }
}

fn person_text(person: &Option<Person>) -> String {
    person.as_ref().map(|p| p.email.clone()).unwrap_or_else(|| "—".into())
}

fn due_text(due_on: Option<chrono::NaiveDate>, overdue: bool) -> String {
    let due = due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    if overdue {
        format!("{due} (overdue)")
    } else {
        due
    }
}

fn optional_time(at: Option<chrono::DateTime<chrono::Utc>>) -> AnyView {
    match at {
        Some(at) => view! { <Timestamp at/> }.into_any(),
        None => "—".into_any(),
    }
}

#[component]
fn ExportLink(id: i64) -> impl IntoView {
    let export = ServerAction::<ExportIncident>::new();
    view! {
        <button type="button" class="secondary" on:click=move |_| { export.dispatch(ExportIncident { id }); }>"Export as Markdown"</button>
        {move || export.value().get().map(|result| match result {
            Ok(markdown) => view! {
                <a class="download" download=format!("incident-{id}.md")
                    href=format!("data:text/markdown;charset=utf-8,{}", percent_encode(&markdown, &[]))>
                    {format!("Download incident-{id}.md")}
                </a>
            }.into_any(),
            Err(e) => view! { <span class="form-error">{e.to_string()}</span> }.into_any(),
        })}
    }
}

#[component]
fn StartPostmortemButton(id: i64, reload: RwSignal<u32>) -> impl IntoView {
    let start = ServerAction::<StartPostmortem>::new();
    reload_on_success(start.value(), reload);
    let error = last_error(start.value());
    view! {
        <ActionForm action=start attr:class="inline">
            <input type="hidden" name="id" value=id.to_string()/>
            <button type="submit" class="secondary">"Start the post-mortem"</button>
        </ActionForm>
        <FormError error/>
    }
}

#[component]
fn QuickActions(
    incident: Incident,
    people: Vec<Person>,
    policies: Vec<SeverityPolicy>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let id = incident.id;
    let acknowledge = ServerAction::<AcknowledgeIncident>::new();
    let edit = ServerAction::<EditIncident>::new();
    reload_on_success(acknowledge.value(), reload);
    reload_on_success(edit.value(), reload);
    let error = Signal::derive(move || {
        edit.value().get().and_then(Result::err).or_else(|| acknowledge.value().get().and_then(Result::err))
    });
    let status = RwSignal::new(incident.status.as_str().to_owned());
    let severity = RwSignal::new(incident.severity.level().to_string());
    let id_of = |p: &Option<Person>| p.as_ref().map(|p| p.id.to_string()).unwrap_or_default();
    let commander = RwSignal::new(id_of(&incident.commander));
    let assignee = RwSignal::new(id_of(&incident.assignee));
    let send = move |patch: IncidentPatch| {
        edit.dispatch(EditIncident { id, patch });
    };
    let set_status = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(IncidentPatch { status: Some(status.get_untracked()), ..IncidentPatch::default() });
    };
    let set_severity = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(IncidentPatch { severity: severity.get_untracked().parse().ok(), ..IncidentPatch::default() });
    };
    let assign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(IncidentPatch {
            commander_id: Some(commander.get_untracked().parse().ok()),
            assignee_id: Some(assignee.get_untracked().parse().ok()),
            ..IncidentPatch::default()
        });
    };
    let acknowledged = incident.times.acknowledged_at.is_some() || !incident.is_open();
    let people_options = move |selected: RwSignal<String>| {
        let people = people.clone();
        move || {
            people
                .iter()
                .map(|p| {
                    let value = p.id.to_string();
                    let is_selected = selected.get_untracked() == value;
                    view! { <option value=value selected=is_selected>{p.email.clone()}</option> }
                })
                .collect_view()
        }
    };
    let commander_options = people_options(commander);
    let assignee_options = people_options(assignee);
    view! {
        <section class="card quick-actions" aria-labelledby="actions-heading">
            <h2 id="actions-heading">"Actions"</h2>
            <div class="actions">
                <Show when=move || !acknowledged>
                    <ActionForm action=acknowledge attr:class="inline">
                        <input type="hidden" name="id" value=id.to_string()/>
                        <button type="submit">"Acknowledge"</button>
                    </ActionForm>
                </Show>
                <form class="inline" on:submit=set_status>
                    <label for="quick-status">"Status"</label>
                    <select id="quick-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        {Status::ALL.iter().map(|s| view! { <option value=s.as_str() selected={*s == incident.status}>{s.label()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="secondary">"Set status"</button>
                </form>
                <form class="inline" on:submit=set_severity>
                    <label for="quick-severity">"Severity"</label>
                    <select id="quick-severity" on:change=move |ev| severity.set(event_target_value(&ev))>
                        {policies.iter().map(|p| view! {
                            <option value=p.severity.level().to_string() selected={p.severity == incident.severity}>
                                {format!("{} · {}", p.severity.label(), p.name)}
                            </option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="secondary">"Change severity"</button>
                </form>
                <form class="inline" on:submit=assign>
                    <label for="quick-commander">"Commander"</label>
                    <select id="quick-commander" on:change=move |ev| commander.set(event_target_value(&ev))>
                        <option value="">"Nobody"</option>
                        {commander_options}
                    </select>
                    <label for="quick-assignee">"Assignee"</label>
                    <select id="quick-assignee" on:change=move |ev| assignee.set(event_target_value(&ev))>
                        <option value="">"Nobody"</option>
                        {assignee_options}
                    </select>
                    <button type="submit" class="secondary">"Assign"</button>
                </form>
            </div>
            <FormError error/>
            <FieldError id="quick-actions-msg".to_owned() message=Signal::derive(move || error.get().filter(|e| matches!(e, AppError::Validation { .. })).map(|e| e.to_string()))/>
        </section>
    }
}

#[component]
fn PostForm(id: i64, reload: RwSignal<u32>) -> impl IntoView {
    let post = ServerAction::<PostIncidentEvent>::new();
    reload_on_success(post.value(), reload);
    let error = last_error(post.value());
    let body = RwSignal::new(String::new());
    let visibility = RwSignal::new("note".to_owned());
    Effect::new(move |_| {
        if let Some(Ok(_)) = post.value().get() {
            body.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        post.dispatch(PostIncidentEvent { id, body: body.get_untracked(), visibility: visibility.get_untracked() });
    };
    let radio = move |value: &'static str, label: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name="visibility" value=value prop:checked=move || visibility.get() == value
                    on:change=move |_| visibility.set(value.to_owned())/>
                {label}
            </label>
        }
    };
    view! {
        <section class="card" aria-labelledby="post-heading">
            <h2 id="post-heading">"Add to the timeline"</h2>
            <form on:submit=submit>
                <div class="field">
                    <label for="field-post-body">"Note or update"</label>
                    <textarea id="field-post-body" name="body" rows="3" aria-describedby="field-post-body-msg"
                        prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                    <FieldError id="field-post-body-msg".to_owned() message=field_message(error, "body")/>
                </div>
                <fieldset class="radios">
                    <legend>"Who sees it"</legend>
                    {radio("note", "Internal note (the team)")}
                    {radio("public", "Public update (the status page)")}
                </fieldset>
                <FormError error/>
                <button type="submit" disabled=move || post.pending().get()>"Post"</button>
            </form>
        </section>
    }
}

#[component]
fn TimelineEntry(event: TimelineEvent, manage: bool, reload: RwSignal<u32>) -> impl IntoView {
    let kind = event.kind;
    let backfilled = (event.created_at - event.occurred_at).num_seconds().abs() > 60;
    view! {
        <li class=format!("event {}", kind.as_str()) data-kind=kind.as_str()>
            <div class="event-head">
                <Timestamp at=event.occurred_at/>" · "<strong>{kind.label()}</strong>
                {event.public.then(|| view! { " "<span class="public-badge">"public"</span> })}
                " · "<span class="author">{event.author.clone()}</span>
                {backfilled.then(|| view! { " "<span class="hint">"(written "<Timestamp at=event.created_at/>")"</span> })}
            </div>
            <p class="event-body">{event.body.clone()}</p>
            {manage.then(|| view! { <EventTimeForm event_id=event.id occurred_at=event.occurred_at reload/> })}
        </li>
    }
}

#[component]
fn EventTimeForm(event_id: i64, occurred_at: chrono::DateTime<chrono::Utc>, reload: RwSignal<u32>) -> impl IntoView {
    let set = ServerAction::<SetEventTime>::new();
    reload_on_success(set.value(), reload);
    let error = last_error(set.value());
    let value = RwSignal::new(String::new());
    Effect::new(move |_| value.set(to_local_input(occurred_at)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set.dispatch(SetEventTime { event_id, occurred_at: local_input_to_rfc3339(&value.get_untracked()) });
    };
    let input_id = format!("event-{event_id}-time");
    view! {
        <details class="event-time">
            <summary>"Change when it happened"</summary>
            <form class="inline" on:submit=submit>
                <label for=input_id.clone()>"Happened at (your local time)"</label>
                <input id=input_id type="datetime-local" bind:value=value/>
                <button type="submit" class="secondary">"Set time"</button>
            </form>
            <FieldError id=format!("event-{event_id}-time-msg") message=Signal::derive(move || error.get().map(|e| e.to_string()))/>
        </details>
    }
}

#[component]
fn TimesForm(incident: Incident, reload: RwSignal<u32>) -> impl IntoView {
    let id = incident.id;
    let edit = ServerAction::<EditIncident>::new();
    reload_on_success(edit.value(), reload);
    let error = last_error(edit.value());
    let times = incident.times;
    let fields = [
        ("started_at", Some(times.started_at)),
        ("acknowledged_at", times.acknowledged_at),
        ("mitigated_at", times.mitigated_at),
        ("resolved_at", times.resolved_at),
    ];
    // What each input showed when the page loaded: only the ones the user changed are sent.
    let initial: Vec<RwSignal<String>> = fields.iter().map(|_| RwSignal::new(String::new())).collect();
    let current: Vec<RwSignal<String>> = fields.iter().map(|_| RwSignal::new(String::new())).collect();
    {
        let (initial, current) = (initial.clone(), current.clone());
        Effect::new(move |_| {
            for (i, (_, at)) in fields.iter().enumerate() {
                let shown = at.map(to_local_input).unwrap_or_default();
                initial[i].set(shown.clone());
                current[i].set(shown);
            }
        });
    }
    let signals = current.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut patch = IncidentPatch::default();
        for (i, (field, _)) in fields.iter().enumerate() {
            let value = current[i].get_untracked();
            if value == initial[i].get_untracked() {
                continue;
            }
            let sent = (!value.is_empty()).then(|| local_input_to_rfc3339(&value));
            match *field {
                "started_at" => patch.started_at = Some(sent.unwrap_or_default()),
                "acknowledged_at" => patch.acknowledged_at = Some(sent),
                "mitigated_at" => patch.mitigated_at = Some(sent),
                _ => patch.resolved_at = Some(sent),
            }
        }
        edit.dispatch(EditIncident { id, patch });
    };
    view! {
        <section class="card" aria-labelledby="times-heading">
            <h2 id="times-heading">"Correct the times"</h2>
            <p class="hint">"Backfill when things really happened (your local time). Times must be in order: start ≤ declaration ≤ first response; start ≤ mitigation ≤ resolution."</p>
            <form on:submit=submit class="grid-form">
                <FormField form="times" label="Started" name="started_at" kind="datetime-local" error value=signals[0]/>
                <FormField form="times" label="First response" name="acknowledged_at" kind="datetime-local" error value=signals[1]/>
                <FormField form="times" label="Mitigated" name="mitigated_at" kind="datetime-local" error value=signals[2]/>
                <FormField form="times" label="Resolved" name="resolved_at" kind="datetime-local" error value=signals[3]/>
                <FormError error/>
                <button type="submit" class="secondary">"Save times"</button>
            </form>
        </section>
    }
}

#[component]
pub fn PostmortemPage() -> impl IntoView {
    let manage = can_manage();
    let reload = RwSignal::new(0u32);
    let page = load_incident(reload);
    view! {
        <IncidentsNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(page) => {
                        let incident = page.incident.clone();
                        let heading = format!("Post-mortem: #{} {}", incident.id, incident.title);
                        let body = match page.postmortem {
                            Some(pm) => view! { <PostmortemView pm people=page.people.clone() reload/> }.into_any(),
                            None if manage => view! { <p>"No post-mortem yet."</p><StartPostmortemButton id=incident.id reload/> }.into_any(),
                            None => view! { <p>"No post-mortem yet."</p> }.into_any(),
                        };
                        view! {
                            <Title text=title_text(&heading)/>
                            <header class="page-header">
                                <h1>{heading}</h1>
                                <p class="subtitle"><a href=format!("/incidents/{}", incident.id)>"← The incident"</a></p>
                            </header>
                            {body}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn PostmortemView(pm: Postmortem, people: Vec<Person>, reload: RwSignal<u32>) -> impl IntoView {
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
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="hidden" name="status" value=s.as_str()/>
                    <button type="submit" class="secondary">{label}</button>
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
                "Status: "<strong class="pm-status" data-status=pm.status.as_str()>{pm.status.label()}</strong>
                " · last edited "<Timestamp at=pm.updated_at/>" by "{pm.updated_by.clone()}
                {pm.published_at.map(|at| view! { " · published "<Timestamp at/> })}
            </p>
            {manage.then(|| view! { <div class="actions">{status_buttons}</div><FormError error=status_error/> })}
        </section>
        {editable.then(|| view! { <PostmortemEditor id sections=pm.sections.clone() reload/> })}
        <article class="postmortem">{rendered}</article>
        <ActionItems pm people reload/>
    }
}

#[component]
fn PostmortemEditor(id: i64, sections: PostmortemSections, reload: RwSignal<u32>) -> impl IntoView {
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
                    <textarea id=field_id.clone() name=key rows="5" aria-describedby=format!("{field_id}-msg")
                        on:input=move |ev| draft.update(|d| *d.get_mut(key) = event_target_value(&ev))>
                        {sections.get(key).to_owned()}
                    </textarea>
                    <FieldError id=format!("{field_id}-msg") message=field_message(error, key)/>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="pm-edit-heading">
            <h2 id="pm-edit-heading">"Edit (Markdown)"</h2>
            <form on:submit=submit>
                {fields}
                <FormError error/>
                <button type="submit" disabled=move || save.pending().get()>"Save post-mortem"</button>
                {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! { <span class="saved" role="status">" Saved."</span> })}
            </form>
        </section>
    }
}

#[component]
fn ActionItems(pm: Postmortem, people: Vec<Person>, reload: RwSignal<u32>) -> impl IntoView {
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
                    <td>{manage.then(|| view! {
                        <ActionForm action=toggle attr:class="inline">
                            <input type="hidden" name="item_id" value=item.id.to_string()/>
                            <input type="hidden" name="status" value=next.as_str()/>
                            <button type="submit" class="secondary">{if next == ActionStatus::Done { "Mark done" } else { "Reopen" }}</button>
                        </ActionForm>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="items-heading">
            <h2 id="items-heading">"Action items"</h2>
            <table class="action-items">
                <thead><tr><th>"Item"</th><th>"Type"</th><th>"Owner"</th><th>"Due"</th><th>"Status"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {manage.then(|| view! {
                <ActionForm action=add attr:class="grid-form">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <FormField form="item" label="New action item" name="title" error/>
                    <div class="field">
                        <label for="field-item-kind">"Type"</label>
                        <select id="field-item-kind" name="kind">
                            <option value="mitigate">"Mitigate"</option>
                            <option value="prevent" selected=true>"Prevent"</option>
                            <option value="process">"Process"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="field-item-owner">"Owner"</label>
                        <select id="field-item-owner" name="owner_id">
                            <option value="">"Nobody yet"</option>
                            {people.iter().map(|p| view! { <option value=p.id.to_string()>{p.email.clone()}</option> }).collect_view()}
                        </select>
                        <FieldError id="field-item-owner-msg".to_owned() message=field_message(error, "owner_id")/>
                    </div>
                    <FormField form="item" label="Due" name="due_on" kind="date" error/>
                    <FormError error/>
                    <button type="submit">"Add action item"</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
pub fn ActionItemsPage() -> impl IntoView {
    let items = Resource::new(|| (), |_| open_action_items());
    view! {
        <Title text="Action items"/>
        <PageHeader title="Action items" subtitle="Open post-mortem action items across incidents, the overdue ones first."/>
        <IncidentsNav/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match items.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) if list.items.is_empty() => view! { <p class="empty">"No open action items."</p> }.into_any(),
                    Ok(list) => {
                        let today = list.today;
                        let mut items = list.items;
                        items.sort_by_key(|i| !i.overdue(today));
                        view! {
                            <table class="action-items">
                                <thead><tr><th>"Item"</th><th>"Incident"</th><th>"Type"</th><th>"Owner"</th><th>"Due"</th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|item| {
                                        let overdue = item.overdue(today);
                                        view! {
                                            <tr class:overdue=overdue>
                                                <td>{item.title.clone()}</td>
                                                <td><a href=format!("/incidents/{}/postmortem", item.incident_id)>{format!("#{} {}", item.incident_id, item.incident_title)}</a></td>
                                                <td>{item.kind.label()}</td>
                                                <td>{person_text(&item.owner)}</td>
                                                <td>{due_text(item.due_on, overdue)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn percent(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "—".into())
}

fn duration_or_dash(seconds: Option<i64>) -> String {
    seconds.map(|s| human_duration(s.max(0) as u64)).unwrap_or_else(|| "—".into())
}

#[component]
pub fn MetricsPage() -> impl IntoView {
    let metrics = Resource::new(|| (), |_| incident_metrics());
    view! {
        <Title text="Incident metrics"/>
        <PageHeader title="Incident metrics" subtitle="Incidents declared in the last 30 and 90 days."/>
        <IncidentsNav/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match metrics.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(periods) => view! {
                        <div class="cards">
                            {periods.into_iter().map(|k| view! { <KpiCard k/> }).collect_view()}
                        </div>
                        <p class="hint">"MTTA: declaration → first response. MTTR: start → resolution. SLA compliance counts clocks that are decided (met or breached). MTBF: the period's time outside incidents divided by the number of incidents."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn KpiCard(k: Kpis) -> impl IntoView {
    let heading = format!("Last {} days", k.days);
    view! {
        <section class="card kpis" data-days=k.days.to_string()>
            <h2>{heading}</h2>
            <dl class="facts">
                <dt>"Incidents"</dt><dd data-kpi="total">{k.total}</dd>
                {k.by_severity.iter().enumerate().map(|(i, n)| view! { <dt>{format!("Sev{}", i + 1)}</dt><dd>{*n}</dd> }).collect_view()}
                <dt>"MTTA"</dt><dd data-kpi="mtta">{duration_or_dash(k.mtta_s)}</dd>
                <dt>"MTTR"</dt><dd data-kpi="mttr">{duration_or_dash(k.mttr_s)}</dd>
                <dt>"Response SLA met"</dt><dd data-kpi="response">{percent(k.response_compliance)}</dd>
                <dt>"Resolution SLA met"</dt><dd data-kpi="resolution">{percent(k.resolution_compliance)}</dd>
                <dt>"MTBF"</dt><dd data-kpi="mtbf">{duration_or_dash(k.mtbf_s)}</dd>
            </dl>
        </section>
    }
}

#[component]
pub fn SeveritiesPage() -> impl IntoView {
    let can_define = use_me().is_some_and(|me| me.role.can(Permission::DefineSeverities));
    let reload = RwSignal::new(0u32);
    let policies = Resource::new(move || reload.get(), |_| severity_policies());
    view! {
        <Title text="Severities"/>
        <PageHeader title="Severities & SLAs" subtitle="Changes apply to incidents declared afterwards; open ones keep their targets."/>
        <IncidentsNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match policies.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) => view! {
                        <div class="cards">
                            {list.into_iter().map(|policy| view! { <SeverityCard policy can_define reload/> }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn duration_input(seconds: i64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[component]
fn SeverityCard(policy: SeverityPolicy, can_define: bool, reload: RwSignal<u32>) -> impl IntoView {
    let level = policy.severity.level();
    let t = policy.targets;
    let facts = view! {
        <p>{policy.description.clone()}</p>
        <p class="hint">"Examples: "{policy.examples.clone()}</p>
        <dl class="facts">
            <dt>"Respond within"</dt><dd>{human_duration(t.response_s as u64)}</dd>
            <dt>"Resolve within"</dt><dd>{human_duration(t.resolution_s as u64)}</dd>
            <dt>"Public updates"</dt><dd>{t.update_cadence_s.map(|c| format!("every {}", human_duration(c as u64))).unwrap_or_else(|| "no cadence".into())}</dd>
        </dl>
    };
    let heading = policy.name.clone();
    let form = can_define.then(|| {
        let save = ServerAction::<SaveSeverity>::new();
        reload_on_success(save.value(), reload);
        let error = last_error(save.value());
        let input = move |label: &'static str, name: &'static str, value: String| {
            let id = format!("sev{level}-{name}");
            view! {
                <div class="field">
                    <label for=id.clone()>{label}</label>
                    <input id=id.clone() name=name value=value aria-describedby=format!("{id}-msg")/>
                    <FieldError id=format!("{id}-msg") message=field_message(error, name)/>
                </div>
            }
        };
        view! {
            <details>
                <summary>"Edit"</summary>
                <ActionForm action=save>
                    <input type="hidden" name="level" value=level.to_string()/>
                    {input("Name", "name", policy.name.clone())}
                    {input("Description", "description", policy.description.clone())}
                    {input("Examples", "examples", policy.examples.clone())}
                    {input("Response target", "response", duration_input(t.response_s))}
                    {input("Resolution target", "resolution", duration_input(t.resolution_s))}
                    {input("Public update cadence (empty: none)", "cadence", t.update_cadence_s.map(duration_input).unwrap_or_default())}
                    <FormError error/>
                    <button type="submit">{format!("Save Sev{level}")}</button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <section class="card" data-severity=level.to_string()>
            <h2><SeverityBadge severity=policy.severity/>" "{heading}</h2>
            {facts}
            {form}
        </section>
    }
}
