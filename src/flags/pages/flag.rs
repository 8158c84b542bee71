//! `/flags/:key`: one flag: per-environment rollout, rules and variants, details, history, schedules.

use super::*;

#[component]
pub fn FlagPage() -> impl IntoView {
    let params = use_params_map();
    let key = Memo::new(move |_| params.read().get("key").unwrap_or_default());
    let changed = RwSignal::new(0u32);
    let detail = Resource::new(move || (key.get(), changed.get()), |(key, _)| get_flag(key));
    view! {
        <Title text=move || title_text(&key.get()) />
        <FlagsNav />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(d) => {
                        let flag = d.flag.clone();
                        let panels = d
                            .environments
                            .iter()
                            .map(|env| {
                                let evaluations = d.evaluations.get(env).copied().unwrap_or_default();
                                view! {
                                    <EnvironmentPanel
                                        flag=flag.clone()
                                        env=env.clone()
                                        segments=d.segments.clone()
                                        changed
                                    />
                                    <p class="evaluations">
                                        {format!(
                                            "{env}: {} yes / {} no evaluations reported this hour",
                                            evaluations.yes,
                                            evaluations.no,
                                        )}
                                    </p>
                                }
                            })
                            .collect_view();
                        view! {
                            <header class="page-header">
                                <h1>{flag.key.clone()}</h1>
                                <p class="subtitle">
                                    {flag.definition.kind.as_str()} " · version " {flag.version} " · changed by "
                                    {flag.updated_by.clone()} " " <Timestamp at=flag.updated_at />
                                    {flag.stale.then(|| view! { <span class="badge warn">"potentially stale"</span> })}
                                    {flag.archived.then(|| view! { <span class="badge">"archived"</span> })}
                                </p>
                                <p>{flag.definition.description.clone()}</p>
                            </header>
                            {panels}
                            <Schedules
                                flag=flag.clone()
                                environments=d.environments.clone()
                                schedules=d.schedules.clone()
                                changed
                            />
                            <History flag=flag.clone() history=d.history.clone() changed />
                            <Show when=can_edit>
                                <DetailsForm flag=flag.clone() changed />
                            </Show>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
pub(super) fn EnvironmentPanel(
    flag: Flag,
    env: String,
    segments: Vec<Segment>,
    changed: RwSignal<u32>,
) -> impl IntoView {
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
    reload_on_success(save.value(), changed);
    reload_on_success(toggle.value(), changed);
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
    let other_strategies =
        settings.strategies.iter().filter(|s| s.name != crate::flags::model::ROLLOUT_STRATEGY).count();
    let segment_boxes = segments
        .into_iter()
        .map(|segment| {
            let sid = segment.id;
            let checked = move || chosen_segments.read().contains(&sid);
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        disabled=!editable
                        prop:checked=checked
                        on:change=move |_| {
                            chosen_segments
                                .update(|list| {
                                    if let Some(pos) = list.iter().position(|s| *s == sid) {
                                        list.remove(pos);
                                    } else {
                                        list.push(sid);
                                    }
                                })
                        }
                    />
                    {segment.name.clone()}
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby=id.clone()>
            <h2 id=id
                .clone()>
                {env.clone()} " "
                <span class=if on { "badge on" } else { "badge" }>{if on { "On" } else { "Off" }}</span>
            </h2>
            <Show when=move || editable>
                <button type="button" on:click=toggle_click.clone()>
                    {if on { format!("Disable in {env}") } else { format!("Enable in {env}") }}
                </button>
            </Show>
            <FormError error=last_error(toggle.value()) />
            <form on:submit=submit aria-label=format!("Rollout in {}", id.trim_start_matches("env-"))>
                <fieldset disabled=!editable>
                    <legend>"Rollout"</legend>
                    <label>
                        "Rollout percentage "
                        <input type="range" min="0" max="100" step="1" name="rollout" bind:value=rollout />
                        <output>{move || format!("{} %", rollout.get())}</output>
                    </label>
                    <label>
                        "Stickiness "
                        <select
                            name="stickiness"
                            on:change=move |ev| stickiness.set(event_target_value(&ev))
                            prop:value=move || stickiness.get()
                        >
                            {["default", "userId", "sessionId", "random"]
                                .into_iter()
                                .map(|s| view! { <option value=s>{s}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    {(other_strategies > 0)
                        .then(|| {
                            view! {
                                <p class="hint">
                                    {format!(
                                        "Plus {other_strategies} other strategies (kept as they are; edit them by import).",
                                    )}
                                </p>
                            }
                        })}
                </fieldset>
                <ConstraintsEditor constraints editable />
                <fieldset disabled=!editable>
                    <legend>"Segments"</legend>
                    {segment_boxes}
                </fieldset>
                <VariantsEditor variants editable />
                <AnyError error=last_error(save.value()) />
                <Show when=move || editable>
                    <button type="submit" disabled=move || save.pending().get()>
                        "Save rollout"
                    </button>
                </Show>
            </form>
        </section>
    }
}

#[component]
pub(super) fn ConstraintsEditor(constraints: RwSignal<Vec<ConstraintForm>>, editable: bool) -> impl IntoView {
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
            <For each={move || (0..constraints.read().len()).collect::<Vec<_>>()} key=|i| *i let:i>
                <ConstraintRow constraints index=i />
            </For>
            <Show when=move || editable>
                <button type="button" on:click=add("role")>
                    "+ Role rule"
                </button>
                <button type="button" on:click=add("userId")>
                    "+ User-id rule"
                </button>
                <button type="button" on:click=add("")>
                    "+ Any-field rule"
                </button>
            </Show>
        </fieldset>
    }
}

#[component]
pub(super) fn ConstraintRow(constraints: RwSignal<Vec<ConstraintForm>>, index: usize) -> impl IntoView {
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
            <input
                type="text"
                aria-label=format!("{label} context field")
                placeholder="context field"
                prop:value=move || get().context_name
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    set(&|c| c.context_name = v.clone())
                }
            />
            <select
                aria-label=format!("{label} operator")
                prop:value=move || get().operator
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    set(&|c| c.operator = v.clone())
                }
            >
                {OPERATORS.iter().map(|(op, _)| view! { <option value=*op>{*op}</option> }).collect_view()}
            </select>
            <input
                type="text"
                aria-label=format!("{label} values")
                placeholder="values, comma-separated"
                prop:value=move || get().values
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    set(&|c| c.values = v.clone())
                }
            />
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || get().inverted
                    on:change=move |ev| {
                        let v = event_target_checked(&ev);
                        set(&|c| c.inverted = v)
                    }
                />
                "not"
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || get().case_insensitive
                    on:change=move |ev| {
                        let v = event_target_checked(&ev);
                        set(&|c| c.case_insensitive = v)
                    }
                />
                "ignore case"
            </label>
            <button
                type="button"
                aria-label=format!("Remove {label}")
                on:click=move |_| {
                    constraints
                        .update(|list| {
                            if index < list.len() {
                                list.remove(index);
                            }
                        })
                }
            >
                "Remove"
            </button>
        </div>
    }
}

#[component]
pub(super) fn VariantsEditor(variants: RwSignal<Vec<VariantForm>>, editable: bool) -> impl IntoView {
    let total = move || variants.read().iter().map(|v| v.weight_percent).sum::<f64>();
    view! {
        <fieldset disabled=!editable>
            <legend>"Variants"</legend>
            <For each={move || (0..variants.read().len()).collect::<Vec<_>>()} key=|i| *i let:i>
                <VariantRow variants index=i />
            </For>
            <Show when=move || !variants.read().is_empty()>
                <p class=move || {
                    if (total() - 100.0).abs() < 0.05 { "hint" } else { "hint warn" }
                }>{move || format!("Weights add up to {:.1} % (must be 100 %).", total())}</p>
            </Show>
            <Show when=move || editable>
                <button type="button" on:click=move |_| variants.update(|list| list.push(VariantForm::default()))>
                    "+ Variant"
                </button>
            </Show>
        </fieldset>
    }
}

#[component]
pub(super) fn VariantRow(variants: RwSignal<Vec<VariantForm>>, index: usize) -> impl IntoView {
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
            <input
                type="text"
                aria-label=format!("{label} name")
                placeholder="name"
                prop:value=move || get().name
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    set(&|x| x.name = v.clone())
                }
            />
            <input
                type="number"
                min="0"
                max="100"
                step="0.1"
                aria-label=format!("{label} weight %")
                prop:value=move || get().weight_percent.to_string()
                on:input=move |ev| {
                    let v = event_target_value(&ev).parse().unwrap_or(-1.0);
                    set(&|x| x.weight_percent = v)
                }
            />
            <select
                aria-label=format!("{label} payload type")
                prop:value=move || get().payload_type
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    set(&|x| x.payload_type = v.clone())
                }
            >
                <option value="">"no payload"</option>
                <option value="string">"string"</option>
                <option value="number">"number"</option>
                <option value="json">"json"</option>
            </select>
            <input
                type="text"
                aria-label=format!("{label} payload")
                placeholder="payload"
                prop:value=move || get().payload
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    set(&|x| x.payload = v.clone())
                }
            />
            <button
                type="button"
                aria-label=format!("Remove {label}")
                on:click=move |_| {
                    variants
                        .update(|list| {
                            if index < list.len() {
                                list.remove(index);
                            }
                        })
                }
            >
                "Remove"
            </button>
        </div>
    }
}

#[component]
pub(super) fn History(
    flag: Flag,
    history: Vec<crate::flags::model::FlagVersion>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let editable = can_edit();
    let revert = ServerAction::<RevertFlag>::new();
    reload_on_success(revert.value(), changed);
    let (key, current) = (flag.key.clone(), flag.version);
    let rows = history
        .into_iter()
        .map(|v| {
            let key = key.clone();
            let to = v.version;
            view! {
                <tr>
                    <td>{v.version}</td>
                    <td>
                        <Timestamp at=v.changed_at />
                    </td>
                    <td>{v.changed_by.clone()}</td>
                    <td>{v.summary.clone()}</td>
                    <td>
                        {(editable && to != current)
                            .then(move || {
                                view! {
                                    <button
                                        type="button"
                                        on:click=move |_| {
                                            revert
                                                .dispatch(RevertFlag {
                                                    key: key.clone(),
                                                    version: current,
                                                    to,
                                                });
                                        }
                                    >
                                        {format!("Revert to version {to}")}
                                    </button>
                                }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <FormError error=last_error(revert.value()) />
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Version"</th>
                        <th scope="col">"When"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"Change"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
pub(super) fn Schedules(
    flag: Flag,
    environments: Vec<String>,
    schedules: Vec<crate::flags::model::Schedule>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let editable = can_edit();
    let create = ServerAction::<ScheduleChange>::new();
    let cancel = ServerAction::<CancelSchedule>::new();
    reload_on_success(create.value(), changed);
    reload_on_success(cancel.value(), changed);
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
                    <td>
                        <Timestamp at=s.run_at />
                    </td>
                    <td>{s.environment.clone()}</td>
                    <td>{s.description.clone()}</td>
                    <td>{state}</td>
                    <td>
                        {(editable && pending)
                            .then(move || {
                                view! {
                                    <button
                                        type="button"
                                        on:click=move |_| {
                                            cancel
                                                .dispatch(CancelSchedule {
                                                    key: key.clone(),
                                                    id,
                                                });
                                        }
                                    >
                                        "Cancel"
                                    </button>
                                }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let error = last_error(create.value());
    view! {
        <section class="card" aria-labelledby="schedule-heading">
            <h2 id="schedule-heading">"Scheduled changes"</h2>
            <table>
                <thead>
                    <tr>
                        <th scope="col">"At"</th>
                        <th scope="col">"Environment"</th>
                        <th scope="col">"Change"</th>
                        <th scope="col">"State"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <FormError error=last_error(cancel.value()) />
            <Show when=move || editable>
                <form on:submit=submit.clone() class="inline-form" aria-label="Schedule a change">
                    <label>
                        "Environment "
                        <select on:change=move |ev| {
                            environment.set(event_target_value(&ev))
                        }>
                            {environments
                                .iter()
                                .map(|e| view! { <option value=e.clone()>{e.clone()}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    <FormField
                        label="At"
                        name="run_at"
                        kind="datetime-local"
                        error
                        value=at
                        required=true
                        form="schedule"
                    />
                    <label>
                        "Change " <select on:change=move |ev| action.set(event_target_value(&ev))>
                            <option value="enable">"enable"</option>
                            <option value="disable">"disable"</option>
                            <option value="rollout">"set rollout to"</option>
                        </select>
                    </label>
                    <FormField label="Rollout %" name="rollout" kind="number" error value=rollout form="schedule" />
                    <FormError error />
                    <button type="submit">"Schedule"</button>
                </form>
            </Show>
        </section>
    }
}

#[component]
pub(super) fn DetailsForm(flag: Flag, changed: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SaveDetails>::new();
    let archive = ServerAction::<SetArchived>::new();
    reload_on_success(save.value(), changed);
    reload_on_success(archive.value(), changed);
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
                <select
                    id="field-details-kind"
                    prop:value=move || kind.get()
                    on:change=move |ev| kind.set(event_target_value(&ev))
                >
                    {FlagKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> })
                        .collect_view()}
                </select>
                <FormField label="Name" name="name" error value=name form="details" />
                <FormField label="Description" name="description" error value=description form="details" />
                <FormField label="Tags" name="tags" error value=tags form="details" />
                <FormError error />
                <button type="submit">"Save details"</button>
            </form>
            <FormError error=last_error(archive.value()) />
            <button
                type="button"
                on:click=move |_| {
                    archive
                        .dispatch(SetArchived {
                            key: key.clone(),
                            version,
                            archived: !archived,
                        });
                }
            >
                {if archived { "Unarchive" } else { "Archive" }}
            </button>
        </section>
    }
}
