//! `/flags`: the list with filters and per-environment kill switches, and the create form.

use super::*;

#[component]
pub fn FlagsPage() -> impl IntoView {
    let editable = can_edit();
    let changed = RwSignal::new(0u32);
    let q = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let show = RwSignal::new(String::new());
    let only_env = RwSignal::new(String::new());
    let list = Resource::new(
        move || (FlagFilter { q: q.get(), kind: kind.get(), tag: tag.get(), show: show.get() }, changed.get()),
        |(filter, _)| list_flags(filter),
    );
    let toggle = ServerAction::<SetEnabled>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = toggle.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <Title text="Feature flags" />
        <PageHeader
            title="Feature flags"
            subtitle="Roll features out by percentage, target users and roles, switch them off instantly."
        />
        <FlagsNav />
        <Show when=move || editable>
            <CreateFlagForm changed />
        </Show>
        <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
            <label>"Search " <input type="search" name="q" bind:value=q placeholder="key or description" /></label>
            <label>
                "Type " <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">"any"</option>
                    {FlagKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Show " <select name="show" on:change=move |ev| show.set(event_target_value(&ev))>
                    <option value="">"active"</option>
                    <option value="stale">"potentially stale"</option>
                    <option value="archived">"archived"</option>
                </select>
            </label>
            <label>"Tag " <input type="text" name="tag" bind:value=tag /></label>
        </form>
        <FormError error=last_error(toggle.value()) />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) if list.flags.is_empty() => view! { <p class="empty">"No flags match."</p> }.into_any(),
                    Ok(list) => {
                        let wanted = only_env.get();
                        let envs: Vec<String> = list
                            .environments
                            .iter()
                            .filter(|e| wanted.is_empty() || **e == wanted)
                            .cloned()
                            .collect();
                        let env_choice = view! {
                            <label class="env-filter">
                                "Environments "
                                <select
                                    name="environment"
                                    prop:value=wanted.clone()
                                    on:change=move |ev| only_env.set(event_target_value(&ev))
                                >
                                    <option value="">"all"</option>
                                    {list
                                        .environments
                                        .iter()
                                        .map(|e| view! { <option value=e.clone()>{e.clone()}</option> })
                                        .collect_view()}
                                </select>
                            </label>
                        };
                        let header = envs.iter().map(|env| view! { <th scope="col">{env.clone()}</th> }).collect_view();
                        let rows = list
                            .flags
                            .into_iter()
                            .map(|summary| {
                                let flag = summary.flag;
                                let cells = envs
                                    .iter()
                                    .map(|env| {
                                        let on = flag.definition.settings(env).enabled;
                                        let evaluations = summary.evaluations.get(env).copied().unwrap_or_default();
                                        let (key, env, version) = (flag.key.clone(), env.clone(), flag.version);
                                        let label = format!(
                                            "{} {} in {}",
                                            if on { "Disable" } else { "Enable" },
                                            key,
                                            env,
                                        );
                                        view! {
                                            <td>
                                                {if editable {
                                                    view! {
                                                        <button
                                                            type="button"
                                                            class=if on { "switch on" } else { "switch" }
                                                            role="switch"
                                                            aria-checked=on.to_string()
                                                            aria-label=label
                                                            on:click=move |_| {
                                                                toggle
                                                                    .dispatch(SetEnabled {
                                                                        key: key.clone(),
                                                                        environment: env.clone(),
                                                                        enabled: !on,
                                                                        version,
                                                                    });
                                                            }
                                                        >
                                                            {if on { "On" } else { "Off" }}
                                                        </button>
                                                    }
                                                        .into_any()
                                                } else {
                                                    view! {
                                                        <span class=if on {
                                                            "badge on"
                                                        } else {
                                                            "badge"
                                                        }>{if on { "On" } else { "Off" }}</span>
                                                    }
                                                        .into_any()
                                                }}
                                                <small
                                                    class="evaluations"
                                                    title="Evaluations reported by SDKs this hour"
                                                >
                                                    {format!(" {} yes / {} no", evaluations.yes, evaluations.no)}
                                                </small>
                                            </td>
                                        }
                                    })
                                    .collect_view();
                                view! {
                                    <tr>
                                        <th scope="row">
                                            <a href=flag_href(&flag.key)>{flag.key.clone()}</a>
                                            {(!flag.definition.name.is_empty())
                                                .then(|| {
                                                    view! {
                                                        <small class="evaluations">
                                                            {flag.definition.name.clone()}
                                                        </small>
                                                    }
                                                })}
                                            {flag
                                                .stale
                                                .then(|| view! { <span class="badge warn">"potentially stale"</span> })}
                                            {flag.archived.then(|| view! { <span class="badge">"archived"</span> })}
                                        </th>
                                        <td>{flag.definition.kind.as_str()}</td>
                                        <td>{flag.definition.tags.join(", ")}</td>
                                        {cells}
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            {env_choice}
                            <table class="flags">
                                <thead>
                                    <tr>
                                        <th scope="col">"Flag"</th>
                                        <th scope="col">"Type"</th>
                                        <th scope="col">"Tags"</th>
                                        {header}
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
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
pub(super) fn CreateFlagForm(changed: RwSignal<u32>) -> impl IntoView {
    let create = ServerAction::<CreateFlag>::new();
    let error = last_error(create.value());
    let key = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let kind = RwSignal::new("release".to_owned());
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            key.set(String::new());
            name.set(String::new());
            description.set(String::new());
            tags.set(String::new());
            changed.update(|n| *n += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateFlag {
            key: key.get_untracked(),
            name: name.get_untracked(),
            kind: kind.get_untracked(),
            description: description.get_untracked(),
            tags: tags.get_untracked(),
        });
    };
    view! {
        <section class="card">
            <h2>"New flag"</h2>
            <form on:submit=submit class="inline-form">
                <FormField
                    label="Key"
                    name="key"
                    error
                    value=key
                    required=true
                    hint="What apps ask for, e.g. new-checkout."
                />
                <FormField label="Name" name="name" error value=name hint="For people; optional." />
                <label for="field-kind">"Type"</label>
                <select id="field-kind" name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {FlagKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> })
                        .collect_view()}
                </select>
                <FormField label="Description" name="description" error value=description />
                <FormField label="Tags" name="tags" error value=tags hint="Comma-separated." />
                <FormError error />
                <button type="submit" disabled=move || create.pending().get()>
                    "Create flag"
                </button>
            </form>
        </section>
    }
}
