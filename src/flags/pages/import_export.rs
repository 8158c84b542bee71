//! `/flags/import`: import an Unleash document (preview, then apply) and export one.

use super::*;

#[component]
pub fn ImportExportPage() -> impl IntoView {
    let editable = can_edit();
    let can_add_env = can(Permission::ManageEnvironments);
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
        <Title text="Import and export flags" />
        <PageHeader
            title="Import / export"
            subtitle="Flags in Unleash's client-features format, one environment at a time."
        />
        <FlagsNav />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match envs.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) => {
                        view! { <EnvironmentSelect environments=list chosen=environment id="transfer-env" /> }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <section class="card" aria-labelledby="export-heading">
            <h2 id="export-heading">"Export"</h2>
            <button
                type="button"
                on:click=move |_| {
                    export
                        .dispatch(ExportFlags {
                            environment: environment.get_untracked(),
                        });
                }
            >
                "Show export"
            </button>
            <FormError error=last_error(export.value()) />
            {move || {
                export
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|json| {
                        view! {
                            <textarea readonly rows="12" aria-label="Exported flags">
                                {json}
                            </textarea>
                        }
                    })
            }}
        </section>
        <Show when=move || editable>
            <section class="card" aria-labelledby="import-heading">
                <h2 id="import-heading">"Import"</h2>
                <label for="field-document">"Client-features JSON"</label>
                <textarea id="field-document" rows="10" bind:value=document></textarea>
                <AnyError error=import_error />
                <button type="button" on:click=move |_| dispatch_import(false)>
                    "Preview import"
                </button>
                {move || {
                    import
                        .value()
                        .get()
                        .and_then(Result::ok)
                        .map(|plan| {
                            let verb = if applied.get() { "Imported" } else { "Would import" };
                            view! {
                                <div class="import-plan" role="status">
                                    <p>
                                        {format!(
                                            "{verb}: {} new, {} changed, {} unchanged, {} new segments.",
                                            plan.created.len(),
                                            plan.changed.len(),
                                            plan.unchanged,
                                            plan.new_segments,
                                        )}
                                    </p>
                                    <ul>
                                        {plan
                                            .created
                                            .iter()
                                            .map(|k| view! { <li>{format!("+ {k} (new)")}</li> })
                                            .collect_view()}
                                        {plan
                                            .changed
                                            .iter()
                                            .map(|(k, s)| view! { <li>{format!("~ {k}: {s}")}</li> })
                                            .collect_view()}
                                    </ul>
                                    {(!plan.oddities.is_empty())
                                        .then(|| {
                                            view! {
                                                <p>"Unleash accepts these, and they are imported as they are:"</p>
                                                <ul class="oddities">
                                                    {plan
                                                        .oddities
                                                        .iter()
                                                        .map(|odd| view! { <li>{odd.clone()}</li> })
                                                        .collect_view()}
                                                </ul>
                                            }
                                        })}
                                </div>
                            }
                        })
                }}
                <button type="button" on:click=move |_| dispatch_import(true)>
                    "Apply import"
                </button>
            </section>
        </Show>
        <Show when=move || can_add_env>
            <section class="card" aria-labelledby="env-heading">
                <h2 id="env-heading">"Add an environment"</h2>
                <ActionForm action=add_env>
                    <FormField
                        label="Name"
                        name="name"
                        error=last_error(add_env.value())
                        value=new_env
                        hint="e.g. staging"
                        form="env"
                    />
                    <FormError error=last_error(add_env.value()) />
                    <button type="submit">"Add environment"</button>
                </ActionForm>
            </section>
        </Show>
    }
}
