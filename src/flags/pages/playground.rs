//! `/flags/playground`: evaluate every flag for a typed-in context.

use super::*;

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
            context: crate::flags::model::PlaygroundContext {
                environment: environment.get_untracked(),
                user_id: user_id.get_untracked(),
                session_id: session_id.get_untracked(),
                remote_address: remote_address.get_untracked(),
                properties: properties.get_untracked(),
            },
        });
    };
    view! {
        <Title text="Flag playground" />
        <PageHeader title="Playground" subtitle="Type a context and see what every flag answers, and why." />
        <FlagsNav />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match envs.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) => {
                        view! {
                            <form class="card" on:submit=submit>
                                <EnvironmentSelect environments=list chosen=environment id="playground-env" />
                                <FormField label="User id" name="user_id" error value=user_id />
                                <FormField label="Session id" name="session_id" error value=session_id />
                                <FormField label="Remote address" name="remote_address" error value=remote_address />
                                <label for="field-properties">
                                    "Properties (name=value per line, e.g. role=admin)"
                                </label>
                                <textarea id="field-properties" rows="3" bind:value=properties></textarea>
                                <FieldError
                                    id="field-properties-msg".to_owned()
                                    message=Signal::derive(move || {
                                        error.get().and_then(|e| e.field_message("properties"))
                                    })
                                />
                                <FormError error />
                                <button type="submit">"Evaluate"</button>
                            </form>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        {move || {
            run.value()
                .get()
                .and_then(Result::ok)
                .map(|results| {
                    view! {
                        <table class="playground">
                            <thead>
                                <tr>
                                    <th scope="col">"Flag"</th>
                                    <th scope="col">"Enabled"</th>
                                    <th scope="col">"Variant"</th>
                                    <th scope="col">"Why"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {results
                                    .into_iter()
                                    .map(|r| {
                                        view! {
                                            <tr>
                                                <th scope="row">{r.key.clone()}</th>
                                                <td>{if r.enabled { "yes" } else { "no" }}</td>
                                                <td>
                                                    {r.variant.clone()}{r.payload.clone().map(|p| format!(" ({p})"))}
                                                </td>
                                                <td>{r.reason.clone()}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                })
        }}
    }
}
