//! `/flags`: the list with per-environment kill switches, the flag page with the rollout editor,
//! history and schedules, the playground, and import/export. Everyone reads; owner and PM edit.

use super::api::*;
use super::model::{
    ConstraintForm, EnvironmentSettings, Flag, FlagFilter, FlagKind, RolloutForm, RolloutView, ScheduleForm, Segment,
    VariantForm, OPERATORS,
};
use crate::app::use_me;
use crate::auth::model::Permission;
use crate::error::AppError;
use crate::ui::{
    last_error, local_input_to_rfc3339, title_text, ErrorPanel, FieldError, FormError, FormField, PageHeader, Timestamp,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

fn can_edit() -> bool {
    use_me().is_some_and(|me| me.role.can(Permission::ManageFlags))
}

/// Every message of an error, field ones included: for forms whose fields are dynamic rows.
#[component]
fn AnyError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error.get().map(|e| match &e {
            AppError::Validation { field, message } => format!("{}: {message}", field.replace('_', " ")),
            other => other.to_string(),
        })
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-error" role="alert">{message}</p>
        </Show>
    }
}

fn flag_href(key: &str) -> String {
    format!("/flags/{}", crate::ui::percent_encode(key, b""))
}

#[component]
fn FlagsNav() -> impl IntoView {
    view! {
        <nav class="subnav" aria-label="Flags">
            <A href="/flags" exact=true>"All flags"</A>
            <A href="/flags/playground">"Playground"</A>
            <A href="/flags/segments">"Segments"</A>
            <A href="/flags/import">"Import / export"</A>
        </nav>
    }
}

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
        <Title text="Feature flags"/>
        <PageHeader title="Feature flags" subtitle="Roll features out by percentage, target users and roles, switch them off instantly."/>
        <FlagsNav/>
        <Show when=move || editable>
            <CreateFlagForm changed/>
        </Show>
        <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
            <label>"Search " <input type="search" name="q" bind:value=q placeholder="key or description"/></label>
            <label>"Type "
                <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">"any"</option>
                    {FlagKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Show "
                <select name="show" on:change=move |ev| show.set(event_target_value(&ev))>
                    <option value="">"active"</option>
                    <option value="stale">"potentially stale"</option>
                    <option value="archived">"archived"</option>
                </select>
            </label>
            <label>"Tag " <input type="text" name="tag" bind:value=tag/></label>
        </form>
        <FormError error=last_error(toggle.value())/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) if list.flags.is_empty() => view! { <p class="empty">"No flags match."</p> }.into_any(),
                    Ok(list) => {
                        let wanted = only_env.get();
                        let envs: Vec<String> = list.environments.iter().filter(|e| wanted.is_empty() || **e == wanted).cloned().collect();
                        let env_choice = view! {
                            <label class="env-filter">"Environments "
                                <select name="environment" prop:value=wanted.clone() on:change=move |ev| only_env.set(event_target_value(&ev))>
                                    <option value="">"all"</option>
                                    {list.environments.iter().map(|e| view! { <option value=e.clone()>{e.clone()}</option> }).collect_view()}
                                </select>
                            </label>
                        };
                        let header = envs.iter().map(|env| view! { <th scope="col">{env.clone()}</th> }).collect_view();
                        let rows = list.flags.into_iter().map(|summary| {
                            let flag = summary.flag;
                            let cells = envs.iter().map(|env| {
                                let on = flag.definition.settings(env).enabled;
                                let evaluations = summary.evaluations.get(env).copied().unwrap_or_default();
                                let (key, env, version) = (flag.key.clone(), env.clone(), flag.version);
                                let label = format!("{} {} in {}", if on { "Disable" } else { "Enable" }, key, env);
                                view! {
                                    <td>
                                        {if editable {
                                            view! {
                                                <button type="button" class=if on { "switch on" } else { "switch" }
                                                    role="switch" aria-checked=on.to_string() aria-label=label
                                                    on:click=move |_| { toggle.dispatch(SetEnabled { key: key.clone(), environment: env.clone(), enabled: !on, version }); }>
                                                    {if on { "On" } else { "Off" }}
                                                </button>
                                            }.into_any()
                                        } else {
                                            view! { <span class=if on { "badge on" } else { "badge" }>{if on { "On" } else { "Off" }}</span> }.into_any()
                                        }}
                                        <small class="evaluations" title="Evaluations reported by SDKs this hour">
                                            {format!(" {} yes / {} no", evaluations.yes, evaluations.no)}
                                        </small>
                                    </td>
                                }
                            }).collect_view();
                            view! {
                                <tr>
                                    <th scope="row"><a href=flag_href(&flag.key)>{flag.key.clone()}</a>
                                        {(!flag.definition.name.is_empty()).then(|| view! { <small class="evaluations">{flag.definition.name.clone()}</small> })}
                                        {flag.stale.then(|| view! { <span class="badge warn">"potentially stale"</span> })}
                                        {flag.archived.then(|| view! { <span class="badge">"archived"</span> })}
                                    </th>
                                    <td>{flag.definition.kind.as_str()}</td>
                                    <td>{flag.definition.tags.join(", ")}</td>
                                    {cells}
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            {env_choice}
                            <table class="flags">
                                <thead><tr><th scope="col">"Flag"</th><th scope="col">"Type"</th><th scope="col">"Tags"</th>{header}</tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn CreateFlagForm(changed: RwSignal<u32>) -> impl IntoView {
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
                <FormField label="Key" name="key" error value=key required=true hint="What apps ask for, e.g. new-checkout."/>
                <FormField label="Name" name="name" error value=name hint="For people; optional."/>
                <label for="field-kind">"Type"</label>
                <select id="field-kind" name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {FlagKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> }).collect_view()}
                </select>
                <FormField label="Description" name="description" error value=description/>
                <FormField label="Tags" name="tags" error value=tags hint="Comma-separated."/>
                <FormError error/>
                <button type="submit" disabled=move || create.pending().get()>"Create flag"</button>
            </form>
        </section>
    }
}

#[component]
pub fn FlagPage() -> impl IntoView {
    let params = use_params_map();
    let key = Memo::new(move |_| params.read().get("key").unwrap_or_default());
    let changed = RwSignal::new(0u32);
    let detail = Resource::new(move || (key.get(), changed.get()), |(key, _)| get_flag(key));
    view! {
        <Title text=move || title_text(&key.get())/>
        <FlagsNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(d) => {
                        let flag = d.flag.clone();
                        let panels = d.environments.iter().map(|env| {
                            let evaluations = d.evaluations.get(env).copied().unwrap_or_default();
                            view! {
                                <EnvironmentPanel flag=flag.clone() env=env.clone() segments=d.segments.clone() changed/>
                                <p class="evaluations">{format!("{env}: {} yes / {} no evaluations reported this hour", evaluations.yes, evaluations.no)}</p>
                            }
                        }).collect_view();
                        view! {
                            <header class="page-header">
                                <h1>{flag.key.clone()}</h1>
                                <p class="subtitle">
                                    {flag.definition.kind.as_str()} " · version " {flag.version} " · changed by " {flag.updated_by.clone()} " "
                                    <Timestamp at=flag.updated_at/>
                                    {flag.stale.then(|| view! { <span class="badge warn">"potentially stale"</span> })}
                                    {flag.archived.then(|| view! { <span class="badge">"archived"</span> })}
                                </p>
                                <p>{flag.definition.description.clone()}</p>
                            </header>
                            {panels}
                            <Schedules flag=flag.clone() environments=d.environments.clone() schedules=d.schedules.clone() changed/>
                            <History flag=flag.clone() history=d.history.clone() changed/>
                            <Show when=can_edit>
                                <DetailsForm flag=flag.clone() changed/>
                            </Show>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Re-reads the flag once an action on it succeeds.
fn bump_on_success<T, S>(value: S, changed: RwSignal<u32>)
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            changed.update(|n| *n += 1);
        }
    });
}

#[component]
fn EnvironmentPanel(flag: Flag, env: String, segments: Vec<Segment>, changed: RwSignal<u32>) -> impl IntoView {
    let editable = can_edit();
    let settings: EnvironmentSettings = flag.definition.settings(&env);
    let view_of = RolloutView::of(&settings);
    let rollout = RwSignal::new(view_of.rollout.to_string());
    let stickiness = RwSignal::new(view_of.stickiness.clone());
    let constraints = RwSignal::new(view_of.constraints.clone());
    let chosen_segments = RwSignal::new(view_of.segments.clone());
    let variants = RwSignal::new(settings.variants.iter().map(VariantForm::of).collect::<Vec<_>>());
    let save = ServerAction::<SaveRollout>::new();
    let toggle = ServerAction::<SetEnabled>::new();
    bump_on_success(save.value(), changed);
    bump_on_success(toggle.value(), changed);
    let (key, version, on) = (flag.key.clone(), flag.version, settings.enabled);
    let id = format!("env-{env}");
    let submit = {
        let (key, env) = (key.clone(), env.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            save.dispatch(SaveRollout {
                key: key.clone(),
                environment: env.clone(),
                version,
                form: RolloutForm {
                    rollout: rollout.get_untracked().parse().unwrap_or(-1),
                    stickiness: stickiness.get_untracked(),
                    constraints: constraints.get_untracked(),
                    segments: chosen_segments.get_untracked(),
                    variants: variants.get_untracked(),
                },
            });
        }
    };
    let toggle_click = {
        let (key, env) = (key.clone(), env.clone());
        move |_| {
            toggle.dispatch(SetEnabled { key: key.clone(), environment: env.clone(), enabled: !on, version });
        }
    };
    let other_strategies = settings.strategies.iter().filter(|s| s.name != super::model::ROLLOUT_STRATEGY).count();
    let segment_boxes = segments
        .into_iter()
        .map(|segment| {
            let sid = segment.id;
            let checked = move || chosen_segments.read().contains(&sid);
            view! {
                <label class="check">
                    <input type="checkbox" disabled=!editable prop:checked=checked on:change=move |_| chosen_segments.update(|list| {
                        if let Some(pos) = list.iter().position(|s| *s == sid) { list.remove(pos); } else { list.push(sid); }
                    })/>
                    {segment.name.clone()}
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby=id.clone()>
            <h2 id=id.clone()>{env.clone()} " "
                <span class=if on { "badge on" } else { "badge" }>{if on { "On" } else { "Off" }}</span>
            </h2>
            <Show when=move || editable>
                <button type="button" on:click=toggle_click.clone()>{if on { format!("Disable in {env}") } else { format!("Enable in {env}") }}</button>
            </Show>
            <FormError error=last_error(toggle.value())/>
            <form on:submit=submit aria-label=format!("Rollout in {}", id.trim_start_matches("env-"))>
                <fieldset disabled=!editable>
                    <legend>"Rollout"</legend>
                    <label>"Rollout percentage "
                        <input type="range" min="0" max="100" step="1" name="rollout" bind:value=rollout/>
                        <output>{move || format!("{} %", rollout.get())}</output>
                    </label>
                    <label>"Stickiness "
                        <select name="stickiness" on:change=move |ev| stickiness.set(event_target_value(&ev)) prop:value=move || stickiness.get()>
                            {["default", "userId", "sessionId", "random"].into_iter().map(|s| view! { <option value=s>{s}</option> }).collect_view()}
                        </select>
                    </label>
                    {(other_strategies > 0).then(|| view! { <p class="hint">{format!("Plus {other_strategies} other strategies (kept as they are; edit them by import).")}</p> })}
                </fieldset>
                <ConstraintsEditor constraints editable/>
                <fieldset disabled=!editable>
                    <legend>"Segments"</legend>
                    {segment_boxes}
                </fieldset>
                <VariantsEditor variants editable/>
                <AnyError error=last_error(save.value())/>
                <Show when=move || editable>
                    <button type="submit" disabled=move || save.pending().get()>"Save rollout"</button>
                </Show>
            </form>
        </section>
    }
}

#[component]
fn ConstraintsEditor(constraints: RwSignal<Vec<ConstraintForm>>, editable: bool) -> impl IntoView {
    let add = move |context: &'static str| {
        move |_: leptos::ev::MouseEvent| {
            constraints.update(|list| {
                list.push(ConstraintForm {
                    context_name: context.into(),
                    operator: "IN".into(),
                    ..ConstraintForm::default()
                })
            })
        }
    };
    view! {
        <fieldset disabled=!editable>
            <legend>"Targeting (all rules must match)"</legend>
            <For each={move || (0..constraints.read().len()).collect::<Vec<_>>()} key={|i| *i} let:i>
                <ConstraintRow constraints index=i/>
            </For>
            <Show when=move || editable>
                <button type="button" on:click=add("role")>"+ Role rule"</button>
                <button type="button" on:click=add("userId")>"+ User-id rule"</button>
                <button type="button" on:click=add("")>"+ Any-field rule"</button>
            </Show>
        </fieldset>
    }
}

#[component]
fn ConstraintRow(constraints: RwSignal<Vec<ConstraintForm>>, index: usize) -> impl IntoView {
    let get = move || constraints.read().get(index).cloned().unwrap_or_default();
    let set = move |f: &dyn Fn(&mut ConstraintForm)| {
        constraints.update(|list| {
            if let Some(c) = list.get_mut(index) {
                f(c)
            }
        })
    };
    let label = format!("Rule {}", index + 1);
    view! {
        <div class="row" role="group" aria-label=label.clone()>
            <input type="text" aria-label=format!("{label} context field") placeholder="context field" prop:value=move || get().context_name
                on:input=move |ev| { let v = event_target_value(&ev); set(&|c| c.context_name = v.clone()) }/>
            <select aria-label=format!("{label} operator") prop:value=move || get().operator
                on:change=move |ev| { let v = event_target_value(&ev); set(&|c| c.operator = v.clone()) }>
                {OPERATORS.iter().map(|(op, _)| view! { <option value=*op>{*op}</option> }).collect_view()}
            </select>
            <input type="text" aria-label=format!("{label} values") placeholder="values, comma-separated" prop:value=move || get().values
                on:input=move |ev| { let v = event_target_value(&ev); set(&|c| c.values = v.clone()) }/>
            <label class="check"><input type="checkbox" prop:checked=move || get().inverted
                on:change=move |ev| { let v = event_target_checked(&ev); set(&|c| c.inverted = v) }/>"not"</label>
            <label class="check"><input type="checkbox" prop:checked=move || get().case_insensitive
                on:change=move |ev| { let v = event_target_checked(&ev); set(&|c| c.case_insensitive = v) }/>"ignore case"</label>
            <button type="button" aria-label=format!("Remove {label}") on:click=move |_| constraints.update(|list| { if index < list.len() { list.remove(index); } })>"Remove"</button>
        </div>
    }
}

#[component]
fn VariantsEditor(variants: RwSignal<Vec<VariantForm>>, editable: bool) -> impl IntoView {
    let total = move || variants.read().iter().map(|v| v.weight_percent).sum::<f64>();
    view! {
        <fieldset disabled=!editable>
            <legend>"Variants"</legend>
            <For each={move || (0..variants.read().len()).collect::<Vec<_>>()} key={|i| *i} let:i>
                <VariantRow variants index=i/>
            </For>
            <Show when=move || !variants.read().is_empty()>
                <p class=move || if (total() - 100.0).abs() < 0.05 { "hint" } else { "hint warn" }>{move || format!("Weights add up to {:.1} % (must be 100 %).", total())}</p>
            </Show>
            <Show when=move || editable>
                <button type="button" on:click=move |_| variants.update(|list| list.push(VariantForm::default()))>"+ Variant"</button>
            </Show>
        </fieldset>
    }
}

#[component]
fn VariantRow(variants: RwSignal<Vec<VariantForm>>, index: usize) -> impl IntoView {
    let get = move || variants.read().get(index).cloned().unwrap_or_default();
    let set = move |f: &dyn Fn(&mut VariantForm)| {
        variants.update(|list| {
            if let Some(v) = list.get_mut(index) {
                f(v)
            }
        })
    };
    let label = format!("Variant {}", index + 1);
    view! {
        <div class="row" role="group" aria-label=label.clone()>
            <input type="text" aria-label=format!("{label} name") placeholder="name" prop:value=move || get().name
                on:input=move |ev| { let v = event_target_value(&ev); set(&|x| x.name = v.clone()) }/>
            <input type="number" min="0" max="100" step="0.1" aria-label=format!("{label} weight %") prop:value=move || get().weight_percent.to_string()
                on:input=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(-1.0); set(&|x| x.weight_percent = v) }/>
            <select aria-label=format!("{label} payload type") prop:value=move || get().payload_type
                on:change=move |ev| { let v = event_target_value(&ev); set(&|x| x.payload_type = v.clone()) }>
                <option value="">"no payload"</option>
                <option value="string">"string"</option>
                <option value="number">"number"</option>
                <option value="json">"json"</option>
            </select>
            <input type="text" aria-label=format!("{label} payload") placeholder="payload" prop:value=move || get().payload
                on:input=move |ev| { let v = event_target_value(&ev); set(&|x| x.payload = v.clone()) }/>
            <button type="button" aria-label=format!("Remove {label}") on:click=move |_| variants.update(|list| { if index < list.len() { list.remove(index); } })>"Remove"</button>
        </div>
    }
}

#[component]
fn History(flag: Flag, history: Vec<super::model::FlagVersion>, changed: RwSignal<u32>) -> impl IntoView {
    let editable = can_edit();
    let revert = ServerAction::<RevertFlag>::new();
    bump_on_success(revert.value(), changed);
    let (key, current) = (flag.key.clone(), flag.version);
    let rows = history
        .into_iter()
        .map(|v| {
            let key = key.clone();
            let to = v.version;
            view! {
                <tr>
                    <td>{v.version}</td>
                    <td><Timestamp at=v.changed_at/></td>
                    <td>{v.changed_by.clone()}</td>
                    <td>{v.summary.clone()}</td>
                    <td>{(editable && to != current).then(move || view! {
                        <button type="button" on:click=move |_| { revert.dispatch(RevertFlag { key: key.clone(), version: current, to }); }>
                            {format!("Revert to version {to}")}
                        </button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <FormError error=last_error(revert.value())/>
            <table>
                <thead><tr><th scope="col">"Version"</th><th scope="col">"When"</th><th scope="col">"By"</th><th scope="col">"Change"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
fn Schedules(
    flag: Flag,
    environments: Vec<String>,
    schedules: Vec<super::model::Schedule>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let editable = can_edit();
    let create = ServerAction::<ScheduleChange>::new();
    let cancel = ServerAction::<CancelSchedule>::new();
    bump_on_success(create.value(), changed);
    bump_on_success(cancel.value(), changed);
    let environment = RwSignal::new(environments.first().cloned().unwrap_or_default());
    let at = RwSignal::new(String::new());
    let action = RwSignal::new("enable".to_owned());
    let rollout = RwSignal::new("50".to_owned());
    let key = flag.key.clone();
    let submit = {
        let key = key.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            create.dispatch(ScheduleChange {
                key: key.clone(),
                form: ScheduleForm {
                    environment: environment.get_untracked(),
                    run_at: local_input_to_rfc3339(&at.get_untracked()),
                    action: action.get_untracked(),
                    rollout: rollout.get_untracked().parse().ok(),
                },
            });
        }
    };
    let rows = schedules
        .into_iter()
        .map(|s| {
            let key = key.clone();
            let pending = s.applied_at.is_none() && s.cancelled_at.is_none();
            let state = match (&s.applied_at, &s.cancelled_at, &s.outcome) {
                (Some(_), _, Some(outcome)) => outcome.clone(),
                (Some(_), _, None) => "applied".into(),
                (None, Some(_), _) => "cancelled".into(),
                _ => "pending".into(),
            };
            let id = s.id;
            view! {
                <tr>
                    <td><Timestamp at=s.run_at/></td>
                    <td>{s.environment.clone()}</td>
                    <td>{s.description.clone()}</td>
                    <td>{state}</td>
                    <td>{(editable && pending).then(move || view! {
                        <button type="button" on:click=move |_| { cancel.dispatch(CancelSchedule { key: key.clone(), id }); }>"Cancel"</button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    let error = last_error(create.value());
    view! {
        <section class="card" aria-labelledby="schedule-heading">
            <h2 id="schedule-heading">"Scheduled changes"</h2>
            <table>
                <thead><tr><th scope="col">"At"</th><th scope="col">"Environment"</th><th scope="col">"Change"</th><th scope="col">"State"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <FormError error=last_error(cancel.value())/>
            <Show when=move || editable>
                <form on:submit=submit.clone() class="inline-form" aria-label="Schedule a change">
                    <label>"Environment "
                        <select on:change=move |ev| environment.set(event_target_value(&ev))>
                            {environments.iter().map(|e| view! { <option value=e.clone()>{e.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <FormField label="At" name="run_at" kind="datetime-local" error value=at required=true form="schedule"/>
                    <label>"Change "
                        <select on:change=move |ev| action.set(event_target_value(&ev))>
                            <option value="enable">"enable"</option>
                            <option value="disable">"disable"</option>
                            <option value="rollout">"set rollout to"</option>
                        </select>
                    </label>
                    <FormField label="Rollout %" name="rollout" kind="number" error value=rollout form="schedule"/>
                    <FormError error/>
                    <button type="submit">"Schedule"</button>
                </form>
            </Show>
        </section>
    }
}

#[component]
fn DetailsForm(flag: Flag, changed: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SaveDetails>::new();
    let archive = ServerAction::<SetArchived>::new();
    bump_on_success(save.value(), changed);
    bump_on_success(archive.value(), changed);
    let name = RwSignal::new(flag.definition.name.clone());
    let description = RwSignal::new(flag.definition.description.clone());
    let tags = RwSignal::new(flag.definition.tags.join(", "));
    let kind = RwSignal::new(flag.definition.kind.as_str().to_owned());
    let (key, version, archived) = (flag.key.clone(), flag.version, flag.archived);
    let submit = {
        let key = key.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            save.dispatch(SaveDetails {
                key: key.clone(),
                version,
                name: name.get_untracked(),
                kind: kind.get_untracked(),
                description: description.get_untracked(),
                tags: tags.get_untracked(),
            });
        }
    };
    let error = last_error(save.value());
    view! {
        <section class="card" aria-labelledby="details-heading">
            <h2 id="details-heading">"Details"</h2>
            <form on:submit=submit>
                <label for="field-details-kind">"Type"</label>
                <select id="field-details-kind" prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                    {FlagKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> }).collect_view()}
                </select>
                <FormField label="Name" name="name" error value=name form="details"/>
                <FormField label="Description" name="description" error value=description form="details"/>
                <FormField label="Tags" name="tags" error value=tags form="details"/>
                <FormError error/>
                <button type="submit">"Save details"</button>
            </form>
            <FormError error=last_error(archive.value())/>
            <button type="button" on:click=move |_| { archive.dispatch(SetArchived { key: key.clone(), version, archived: !archived }); }>
                {if archived { "Unarchive" } else { "Archive" }}
            </button>
        </section>
    }
}

#[component]
fn EnvironmentSelect(environments: Vec<String>, chosen: RwSignal<String>, id: &'static str) -> impl IntoView {
    if chosen.get_untracked().is_empty() {
        if let Some(first) = environments.first() {
            chosen.set(first.clone());
        }
    }
    view! {
        <label for=id>"Environment"</label>
        <select id=id prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>
            {environments.into_iter().map(|e| view! { <option value=e.clone()>{e.clone()}</option> }).collect_view()}
        </select>
    }
}

#[component]
pub fn PlaygroundPage() -> impl IntoView {
    let envs = Resource::new(|| (), |_| list_environments());
    let environment = RwSignal::new(String::new());
    let user_id = RwSignal::new(String::new());
    let session_id = RwSignal::new(String::new());
    let remote_address = RwSignal::new(String::new());
    let properties = RwSignal::new(String::new());
    let run = ServerAction::<Playground>::new();
    let error = last_error(run.value());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run.dispatch(Playground {
            context: super::model::PlaygroundContext {
                environment: environment.get_untracked(),
                user_id: user_id.get_untracked(),
                session_id: session_id.get_untracked(),
                remote_address: remote_address.get_untracked(),
                properties: properties.get_untracked(),
            },
        });
    };
    view! {
        <Title text="Flag playground"/>
        <PageHeader title="Playground" subtitle="Type a context and see what every flag answers, and why."/>
        <FlagsNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match envs.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) => view! {
                        <form class="card" on:submit=submit>
                            <EnvironmentSelect environments=list chosen=environment id="playground-env"/>
                            <FormField label="User id" name="user_id" error value=user_id/>
                            <FormField label="Session id" name="session_id" error value=session_id/>
                            <FormField label="Remote address" name="remote_address" error value=remote_address/>
                            <label for="field-properties">"Properties (name=value per line, e.g. role=admin)"</label>
                            <textarea id="field-properties" rows="3" bind:value=properties></textarea>
                            <FieldError id="field-properties-msg".to_owned() message=Signal::derive(move || error.get().and_then(|e| e.field_message("properties")))/>
                            <FormError error/>
                            <button type="submit">"Evaluate"</button>
                        </form>
                    }.into_any(),
                }
            })}
        </Transition>
        {move || run.value().get().and_then(Result::ok).map(|results| view! {
            <table class="playground">
                <thead><tr><th scope="col">"Flag"</th><th scope="col">"Enabled"</th><th scope="col">"Variant"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>
                    {results.into_iter().map(|r| view! {
                        <tr>
                            <th scope="row">{r.key.clone()}</th>
                            <td>{if r.enabled { "yes" } else { "no" }}</td>
                            <td>{r.variant.clone()}{r.payload.clone().map(|p| format!(" ({p})"))}</td>
                            <td>{r.reason.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

#[component]
pub fn ImportExportPage() -> impl IntoView {
    let editable = can_edit();
    let can_add_env = use_me().is_some_and(|me| me.role.can(Permission::ManageEnvironments));
    let add_env = ServerAction::<AddEnvironment>::new();
    let envs = Resource::new(move || add_env.version().get(), |_| list_environments());
    let environment = RwSignal::new(String::new());
    let document = RwSignal::new(String::new());
    let import = ServerAction::<ImportFlags>::new();
    let export = ServerAction::<ExportFlags>::new();
    let new_env = RwSignal::new(String::new());
    let import_error = last_error(import.value());
    let applied = RwSignal::new(false);
    let dispatch_import = move |apply: bool| {
        applied.set(apply);
        import.dispatch(ImportFlags {
            environment: environment.get_untracked(),
            document: document.get_untracked(),
            apply,
        });
    };
    view! {
        <Title text="Import and export flags"/>
        <PageHeader title="Import / export" subtitle="Flags in Unleash's client-features format, one environment at a time."/>
        <FlagsNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match envs.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) => view! { <EnvironmentSelect environments=list chosen=environment id="transfer-env"/> }.into_any(),
                }
            })}
        </Transition>
        <section class="card" aria-labelledby="export-heading">
            <h2 id="export-heading">"Export"</h2>
            <button type="button" on:click=move |_| { export.dispatch(ExportFlags { environment: environment.get_untracked() }); }>"Show export"</button>
            <FormError error=last_error(export.value())/>
            {move || export.value().get().and_then(Result::ok).map(|json| view! {
                <textarea readonly rows="12" aria-label="Exported flags">{json}</textarea>
            })}
        </section>
        <Show when=move || editable>
            <section class="card" aria-labelledby="import-heading">
                <h2 id="import-heading">"Import"</h2>
                <label for="field-document">"Client-features JSON"</label>
                <textarea id="field-document" rows="10" bind:value=document></textarea>
                <AnyError error=import_error/>
                <button type="button" on:click=move |_| dispatch_import(false)>"Preview import"</button>
                {move || import.value().get().and_then(Result::ok).map(|plan| {
                    let verb = if applied.get() { "Imported" } else { "Would import" };
                    view! {
                        <div class="import-plan" role="status">
                            <p>{format!("{verb}: {} new, {} changed, {} unchanged, {} new segments.", plan.created.len(), plan.changed.len(), plan.unchanged, plan.new_segments)}</p>
                            <ul>
                                {plan.created.iter().map(|k| view! { <li>{format!("+ {k} (new)")}</li> }).collect_view()}
                                {plan.changed.iter().map(|(k, s)| view! { <li>{format!("~ {k}: {s}")}</li> }).collect_view()}
                            </ul>
                        </div>
                    }
                })}
                <button type="button" on:click=move |_| dispatch_import(true)>"Apply import"</button>
            </section>
        </Show>
        <Show when=move || can_add_env>
            <section class="card" aria-labelledby="env-heading">
                <h2 id="env-heading">"Add an environment"</h2>
                <ActionForm action=add_env>
                    <FormField label="Name" name="name" error=last_error(add_env.value()) value=new_env hint="e.g. staging" form="env"/>
                    <FormError error=last_error(add_env.value())/>
                    <button type="submit">"Add environment"</button>
                </ActionForm>
            </section>
        </Show>
    }
}

#[component]
pub fn FlagsCard() -> impl IntoView {
    let digest = Resource::new(|| (), |_| flags_digest());
    view! {
        <section class="card" aria-labelledby="flags-card">
            <h2 id="flags-card">"Feature flags"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match digest.await {
                        Ok(d) => view! {
                            <h3>"Changed in the last 24 h"</h3>
                            {if d.changed.is_empty() {
                                view! { <p>"No changes."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="activity">
                                        {d.changed.into_iter().map(|v| view! { <li>{v.summary.clone()}" · "{v.changed_by.clone()}" · "<Timestamp at=v.changed_at/></li> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <h3>"Potentially stale"</h3>
                            {if d.stale.is_empty() {
                                view! { <p><span class="dot ok"></span>"None."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="activity">
                                        {d.stale.into_iter().map(|k| view! { <li><span class="dot warn"></span><a href=flag_href(&k)>{k.clone()}</a></li> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <a href="/flags">"All flags →"</a>
        </section>
    }
}

#[component]
pub fn SegmentsPage() -> impl IntoView {
    let editable = can_edit();
    let add = ServerAction::<AddSegment>::new();
    let segments = Resource::new(move || add.version().get(), |_| list_segments());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let constraints = RwSignal::new(vec![ConstraintForm {
        context_name: "role".into(),
        operator: "IN".into(),
        ..ConstraintForm::default()
    }]);
    let error = last_error(add.value());
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            name.set(String::new());
            description.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(AddSegment {
            name: name.get_untracked(),
            description: description.get_untracked(),
            constraints: constraints.get_untracked(),
        });
    };
    view! {
        <Title text="Segments"/>
        <PageHeader title="Segments" subtitle="Named sets of targeting rules, reusable in any flag's rollout."/>
        <FlagsNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match segments.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No segments yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table>
                            <thead><tr><th scope="col">"Segment"</th><th scope="col">"Description"</th><th scope="col">"Rules (all must match)"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|segment| view! {
                                    <tr>
                                        <th scope="row">{segment.name.clone()}</th>
                                        <td>{segment.description.clone()}</td>
                                        <td>{segment.constraints.iter().map(|c| format!("{}{} {} [{}]", if c.inverted { "NOT " } else { "" }, c.context_name, c.operator, c.values)).collect::<Vec<_>>().join("; ")}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
        <Show when=move || editable>
            <section class="card" aria-labelledby="segment-heading">
                <h2 id="segment-heading">"New segment"</h2>
                <form on:submit=submit>
                    <FormField label="Name" name="name" error value=name required=true form="segment"/>
                    <FormField label="Description" name="description" error value=description form="segment"/>
                    <ConstraintsEditor constraints editable=true/>
                    <AnyError error/>
                    <button type="submit" disabled=move || add.pending().get()>"Create segment"</button>
                </form>
            </section>
        </Show>
    }
}
