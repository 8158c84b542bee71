//! `/incidents`: open incidents first, filters, and the declare form.

use super::*;

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let filter = RwSignal::new(IncidentFilter::default());
    let list = Resource::new(move || filter.get(), list_incidents);
    view! {
        <Title text="Incidents" />
        <PageHeader title="Incidents" subtitle="Open incidents first, the most urgent at the top." />
        <IncidentsNav />
        <Show when=can_manage>
            <DeclareForm />
        </Show>
        <FilterBar filter />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) if list.incidents.is_empty() => {
                        view! { <p class="empty">"No incidents match."</p> }.into_any()
                    }
                    Ok(list) => {
                        let now = use_ticking_clock(list.server_now);
                        view! {
                            <table class="incidents">
                                <thead>
                                    <tr>
                                        <th>"Severity"</th>
                                        <th>"Incident"</th>
                                        <th>"Status"</th>
                                        <th>"Clocks"</th>
                                        <th>"Declared"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .incidents
                                        .into_iter()
                                        .map(|i| {
                                            view! {
                                                <tr data-incident=i.id.to_string()>
                                                    <td>
                                                        <SeverityBadge severity=i.severity />
                                                    </td>
                                                    <td>
                                                        <a href=format!("/incidents/{}", i.id)>{i.title.clone()}</a>
                                                        <div class="hint">{i.components.join(", ")}</div>
                                                    </td>
                                                    <td>
                                                        <StatusBadge status=i.status />
                                                    </td>
                                                    <td>
                                                        <SlaClocks sla=i.sla.clone() now />
                                                    </td>
                                                    <td>
                                                        <Timestamp at=i.times.declared_at />
                                                    </td>
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
        </Transition>
    }
}

#[component]
pub(super) fn FilterBar(filter: RwSignal<IncidentFilter>) -> impl IntoView {
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
            <label>"Search "<input type="search" name="q" bind:value=q placeholder="title or component" /></label>
            <label>
                "Show status " <select name="status" on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    <option value="open">"Open"</option>
                    {Status::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Show severity " <select name="severity" on:change=move |ev| severity.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {Severity::ALL
                        .iter()
                        .map(|s| view! { <option value=s.level().to_string()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    name="mine"
                    prop:checked=move || mine.get()
                    on:change=move |ev| mine.set(event_target_checked(&ev))
                />
                "Mine"
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    name="breached"
                    prop:checked=move || breached.get()
                    on:change=move |ev| breached.set(event_target_checked(&ev))
                />
                "Breached"
            </label>
            <label>"Declared from "<input type="date" name="from" bind:value=from /></label>
            <label>"Declared to "<input type="date" name="to" bind:value=to /></label>
            <button type="submit" class="secondary">
                "Filter"
            </button>
        </form>
    }
}

#[component]
pub(super) fn DeclareForm() -> impl IntoView {
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
                <FormField form="declare" label="Title" name="title" error value=title required=true />
                <div class="field">
                    <label for="field-declare-severity">"Severity"</label>
                    <select
                        id="field-declare-severity"
                        name="severity"
                        on:change=move |ev| severity.set(event_target_value(&ev))
                    >
                        <option value="1">"Sev1 · service down for everyone"</option>
                        <option value="2" selected=true>
                            "Sev2 · degraded"
                        </option>
                        <option value="3">"Sev3 · minor"</option>
                        <option value="4">"Sev4 · low"</option>
                    </select>
                    <FieldError id="field-declare-severity-msg".to_owned() message=field_message(error, "severity") />
                </div>
                <div class="field">
                    <label for="field-declare-impact">"Impact"</label>
                    <select
                        id="field-declare-impact"
                        name="impact"
                        on:change=move |ev| impact.set(event_target_value(&ev))
                    >
                        <option value="">"From the severity"</option>
                        {Impact::ALL
                            .iter()
                            .map(|i| view! { <option value=i.as_str()>{i.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <FormField
                    form="declare"
                    label="Affected components"
                    name="components"
                    error
                    value=components
                    hint="Comma-separated, e.g. api, checkout."
                />
                <FormField
                    form="declare"
                    label="Started (if earlier than now; your local time)"
                    name="started_at"
                    kind="datetime-local"
                    error
                    value=started
                />
                <FormError error />
                <button type="submit" disabled=move || declare.pending().get()>
                    "Declare"
                </button>
            </form>
        </section>
    }
}
