//! `/incidents/:id`: one incident's live page: clocks, quick actions, timeline, updates.

use super::*;

pub(super) fn incident_id() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| id.parse().ok()))
}

pub(super) fn load_incident(reload: RwSignal<u32>) -> Resource<Result<IncidentDetail, AppError>> {
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
        <IncidentsNav />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <IncidentView page reload /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub(super) fn IncidentView(page: IncidentDetail, reload: RwSignal<u32>) -> impl IntoView {
    let manage = can_manage();
    let i = page.incident.clone();
    let id = i.id;
    let postmortem_link = match &page.postmortem {
        Some(pm) => view! { <a href=format!("/incidents/{id}/postmortem")>{format!("Post-mortem ({}) →", pm.status.label())}</a> }
        .into_any(),
        None if manage => view! { <StartPostmortemButton id reload /> }.into_any(),
        None => view! { <span class="hint">"No post-mortem yet."</span> }.into_any(),
    };
    view! {
        <Title text=title_text(&format!("#{id} {}", i.title)) />
        <header class="page-header incident-header">
            <h1>
                <SeverityBadge severity=i.severity />
                " "
                {i.title.clone()}
            </h1>
            <p class="subtitle">
                <StatusBadge status=i.status />
                " · impact "
                {i.impact.label()}
                " · components: "
                {if i.components.is_empty() { "none".to_owned() } else { i.components.join(", ") }}
            </p>
        </header>
        <SlaClocks sla=i.sla.clone() now=use_ticking_clock(page.server_now) />
        <section class="card">
            <dl class="facts">
                <dt>"Commander"</dt>
                <dd>{person_text(&i.commander)}</dd>
                <dt>"Assignee"</dt>
                <dd>{person_text(&i.assignee)}</dd>
                <dt>"Started"</dt>
                <dd>
                    <Timestamp at=i.times.started_at />
                </dd>
                <dt>"Declared"</dt>
                <dd>
                    <Timestamp at=i.times.declared_at />
                    " by "
                    {i.created_by.clone()}
                </dd>
                <dt>"First response"</dt>
                <dd>{optional_time(i.times.acknowledged_at)}</dd>
                <dt>"Mitigated"</dt>
                <dd>{optional_time(i.times.mitigated_at)}</dd>
                <dt>"Resolved"</dt>
                <dd>{optional_time(i.times.resolved_at)}</dd>
                <dt>"Targets"</dt>
                <dd>
                    {format!(
                        "respond within {}, resolve within {} ({} targets as declared)",
                        human_duration(i.targets.response_s as u64),
                        human_duration(i.targets.resolution_s as u64),
                        i.severity.label(),
                    )}
                </dd>
            </dl>
            <div class="actions">{postmortem_link}<ExportLink id /></div>
        </section>
        {manage
            .then(|| {
                view! {
                    <QuickActions incident=i.clone() people=page.people.clone() policies=page.policies.clone() reload />
                    <PostForm
                        id
                        reload
                        templates=page.templates.clone()
                        incident=i.clone()
                        status_page_url=page.status_page_url.clone()
                    />
                }
            })}
        <section class="card" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">"Timeline"</h2>
            <ol class="timeline">
                {page.timeline.into_iter().map(|event| view! { <TimelineEntry event manage reload /> }).collect_view()}
            </ol>
        </section>
        {manage.then(|| view! { <TimesForm incident=i reload /> })}
    }
}

pub(super) fn person_text(person: &Option<Person>) -> String {
    person.as_ref().map(|p| p.email.clone()).unwrap_or_else(|| "—".into())
}

pub(super) fn due_text(due_on: Option<chrono::NaiveDate>, overdue: bool) -> String {
    let due = due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    if overdue {
        format!("{due} (overdue)")
    } else {
        due
    }
}

pub(super) fn optional_time(at: Option<chrono::DateTime<chrono::Utc>>) -> AnyView {
    match at {
        Some(at) => view! { <Timestamp at /> }.into_any(),
        None => "—".into_any(),
    }
}

#[component]
pub(super) fn ExportLink(id: i64) -> impl IntoView {
    let export = ServerAction::<ExportIncident>::new();
    view! {
        <button
            type="button"
            class="secondary"
            on:click=move |_| {
                export.dispatch(ExportIncident { id });
            }
        >
            "Export as Markdown"
        </button>
        {move || {
            export
                .value()
                .get()
                .map(|result| match result {
                    Ok(markdown) => {
                        view! {
                            <a
                                class="download"
                                download=format!("incident-{id}.md")
                                href=format!("data:text/markdown;charset=utf-8,{}", percent_encode(&markdown, &[]))
                            >
                                {format!("Download incident-{id}.md")}
                            </a>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <span class="form-error">{e.to_string()}</span> }.into_any(),
                })
        }}
    }
}

#[component]
pub(super) fn StartPostmortemButton(id: i64, reload: RwSignal<u32>) -> impl IntoView {
    let start = ServerAction::<StartPostmortem>::new();
    reload_on_success(start.value(), reload);
    let error = last_error(start.value());
    view! {
        <ActionForm action=start attr:class="inline">
            <input type="hidden" name="id" value=id.to_string() />
            <button type="submit" class="secondary">
                "Start the post-mortem"
            </button>
        </ActionForm>
        <FormError error />
    }
}

#[component]
pub(super) fn QuickActions(
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
                    view! {
                        <option value=value selected=is_selected>
                            {p.email.clone()}
                        </option>
                    }
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
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit">"Acknowledge"</button>
                    </ActionForm>
                </Show>
                <form class="inline" on:submit=set_status>
                    <label for="quick-status">"Status"</label>
                    <select id="quick-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        {Status::ALL
                            .iter()
                            .map(|s| {
                                view! {
                                    <option value=s.as_str() selected=*s == incident.status>
                                        {s.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <button type="submit" class="secondary">
                        "Set status"
                    </button>
                </form>
                <form class="inline" on:submit=set_severity>
                    <label for="quick-severity">"Severity"</label>
                    <select id="quick-severity" on:change=move |ev| severity.set(event_target_value(&ev))>
                        {policies
                            .iter()
                            .map(|p| {
                                view! {
                                    <option
                                        value=p.severity.level().to_string()
                                        selected=p.severity == incident.severity
                                    >
                                        {format!("{} · {}", p.severity.label(), p.name)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <button type="submit" class="secondary">
                        "Change severity"
                    </button>
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
                    <button type="submit" class="secondary">
                        "Assign"
                    </button>
                </form>
            </div>
            <FormError error />
            <FieldError
                id="quick-actions-msg".to_owned()
                message=Signal::derive(move || {
                    error.get().filter(|e| matches!(e, AppError::Validation { .. })).map(|e| e.to_string())
                })
            />
        </section>
    }
}

#[component]
pub(super) fn PostForm(
    id: i64,
    reload: RwSignal<u32>,
    templates: Vec<UpdateTemplate>,
    incident: Incident,
    status_page_url: String,
) -> impl IntoView {
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
    // The templates for this incident's severity, filled with its facts: a starting point, edited before posting.
    let filled: Vec<(i64, String, String)> = templates
        .iter()
        .filter(|t| t.applies_to(incident.severity))
        .map(|t| {
            let facts = TemplateFacts {
                title: &incident.title,
                components: &incident.components,
                started_at: incident.times.started_at,
                severity: incident.severity,
                status_page: &status_page_url,
            };
            (t.id, format!("{} ({})", t.name, t.status.label()), t.fill(&facts))
        })
        .collect();
    let options = filled
        .iter()
        .map(|(template, label, _)| view! { <option value=template.to_string()>{label.clone()}</option> })
        .collect_view();
    let pick = move |ev: leptos::ev::Event| {
        let wanted = event_target_value(&ev);
        if let Some((_, _, text)) = filled.iter().find(|(template, _, _)| template.to_string() == wanted) {
            body.set(text.clone());
            visibility.set("public".to_owned());
        }
    };
    let radio = move |value: &'static str, label: &'static str| {
        view! {
            <label class="check">
                <input
                    type="radio"
                    name="visibility"
                    value=value
                    prop:checked=move || visibility.get() == value
                    on:change=move |_| visibility.set(value.to_owned())
                />
                {label}
            </label>
        }
    };
    view! {
        <section class="card" aria-labelledby="post-heading">
            <h2 id="post-heading">"Add to the timeline"</h2>
            <form on:submit=submit>
                <div class="field">
                    <label for="field-post-template">"Start from a template"</label>
                    <select id="field-post-template" on:change=pick>
                        <option value="">"—"</option>
                        {options}
                    </select>
                </div>
                <div class="field">
                    <label for="field-post-body">"Note or update"</label>
                    <textarea
                        id="field-post-body"
                        name="body"
                        rows="3"
                        aria-describedby="field-post-body-msg"
                        prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev))
                    ></textarea>
                    <FieldError id="field-post-body-msg".to_owned() message=field_message(error, "body") />
                </div>
                <fieldset class="radios">
                    <legend>"Who sees it"</legend>
                    {radio("note", "Internal note (the team)")}
                    {radio("public", "Public update (the status page)")}
                </fieldset>
                <FormError error />
                <button type="submit" disabled=move || post.pending().get()>
                    "Post"
                </button>
            </form>
        </section>
    }
}

#[component]
pub(super) fn TimelineEntry(event: TimelineEvent, manage: bool, reload: RwSignal<u32>) -> impl IntoView {
    let kind = event.kind;
    let backfilled = (event.created_at - event.occurred_at).num_seconds().abs() > 60;
    view! {
        <li class=format!("event {}", kind.as_str()) data-kind=kind.as_str()>
            <div class="event-head">
                <Timestamp at=event.occurred_at />
                " · "
                <strong>{kind.label()}</strong>
                {event
                    .public
                    .then(|| {
                        view! {
                            " "
                            <span class="public-badge">"public"</span>
                        }
                    })}
                " · "
                <span class="author">{event.author.clone()}</span>
                {backfilled
                    .then(|| {
                        view! {
                            " "
                            <span class="hint">"(written "<Timestamp at=event.created_at />")"</span>
                        }
                    })}
            </div>
            <p class="event-body">{event.body.clone()}</p>
            {manage.then(|| view! { <EventTimeForm event_id=event.id occurred_at=event.occurred_at reload /> })}
        </li>
    }
}

#[component]
pub(super) fn EventTimeForm(
    event_id: i64,
    occurred_at: chrono::DateTime<chrono::Utc>,
    reload: RwSignal<u32>,
) -> impl IntoView {
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
                <input id=input_id type="datetime-local" bind:value=value />
                <button type="submit" class="secondary">
                    "Set time"
                </button>
            </form>
            <FieldError
                id=format!("event-{event_id}-time-msg")
                message=Signal::derive(move || error.get().map(|e| e.to_string()))
            />
        </details>
    }
}

#[component]
pub(super) fn TimesForm(incident: Incident, reload: RwSignal<u32>) -> impl IntoView {
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
            <p class="hint">
                "Backfill when things really happened (your local time). Times must be in order: start ≤ declaration ≤ first response; start ≤ mitigation ≤ resolution."
            </p>
            <form on:submit=submit class="grid-form">
                <FormField
                    form="times"
                    label="Started"
                    name="started_at"
                    kind="datetime-local"
                    error
                    value=signals[0]
                />
                <FormField
                    form="times"
                    label="First response"
                    name="acknowledged_at"
                    kind="datetime-local"
                    error
                    value=signals[1]
                />
                <FormField
                    form="times"
                    label="Mitigated"
                    name="mitigated_at"
                    kind="datetime-local"
                    error
                    value=signals[2]
                />
                <FormField
                    form="times"
                    label="Resolved"
                    name="resolved_at"
                    kind="datetime-local"
                    error
                    value=signals[3]
                />
                <FormError error />
                <button type="submit" class="secondary">
                    "Save times"
                </button>
            </form>
        </section>
    }
}
