//! `/incidents/severities`: the severities' definitions and SLA targets.

use super::templates::UpdateTemplates;
use super::*;

#[component]
pub fn SeveritiesPage() -> impl IntoView {
    let can_define = can(Permission::DefineSeverities);
    let reload = RwSignal::new(0u32);
    let policies = Resource::new(move || reload.get(), |_| severity_policies());
    view! {
        <Title text="Severities" />
        <PageHeader
            title="Severities & SLAs"
            subtitle="Changes apply to incidents declared afterwards; open ones keep their targets."
        />
        <IncidentsNav />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match policies.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) => {
                        view! {
                            <div class="cards">
                                {list
                                    .into_iter()
                                    .map(|policy| view! { <SeverityCard policy can_define reload /> })
                                    .collect_view()}
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <UpdateTemplates />
    }
}

pub(super) fn duration_input(seconds: i64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[component]
pub(super) fn SeverityCard(policy: SeverityPolicy, can_define: bool, reload: RwSignal<u32>) -> impl IntoView {
    let level = policy.severity.level();
    let t = policy.targets;
    let facts = view! {
        <p>{policy.description.clone()}</p>
        <p class="hint">"Examples: "{policy.examples.clone()}</p>
        <dl class="facts">
            <dt>"Respond within"</dt>
            <dd>{human_duration(t.response_s as u64)}</dd>
            <dt>"Resolve within"</dt>
            <dd>{human_duration(t.resolution_s as u64)}</dd>
            <dt>"Public updates"</dt>
            <dd>
                {t
                    .update_cadence_s
                    .map(|c| format!("every {}", human_duration(c as u64)))
                    .unwrap_or_else(|| "no cadence".into())}
            </dd>
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
                    <input id=id.clone() name=name value=value aria-describedby=format!("{id}-msg") />
                    <FieldError id=format!("{id}-msg") message=field_message(error, name) />
                </div>
            }
        };
        view! {
            <details>
                <summary>"Edit"</summary>
                <ActionForm action=save>
                    <input type="hidden" name="level" value=level.to_string() />
                    {input("Name", "name", policy.name.clone())}
                    {input("Description", "description", policy.description.clone())}
                    {input("Examples", "examples", policy.examples.clone())}
                    {input("Response target", "response", duration_input(t.response_s))}
                    {input("Resolution target", "resolution", duration_input(t.resolution_s))}
                    {input(
                        "Public update cadence (empty: none)",
                        "cadence",
                        t.update_cadence_s.map(duration_input).unwrap_or_default(),
                    )}
                    <FormError error />
                    <button type="submit">{format!("Save Sev{level}")}</button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <section class="card" data-severity=level.to_string()>
            <h2>
                <SeverityBadge severity=policy.severity />
                " "
                {heading}
            </h2>
            {facts}
            {form}
        </section>
    }
}
