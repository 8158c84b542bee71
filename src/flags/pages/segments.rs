//! `/flags/segments`: reusable sets of rules.

use super::*;

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
        <Title text="Segments" />
        <PageHeader title="Segments" subtitle="Named sets of targeting rules, reusable in any flag's rollout." />
        <FlagsNav />
        <Transition fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match segments.await {
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No segments yet."</p> }.into_any(),
                    Ok(list) => {
                        view! {
                            <table>
                                <thead>
                                    <tr>
                                        <th scope="col">"Segment"</th>
                                        <th scope="col">"Description"</th>
                                        <th scope="col">"Rules (all must match)"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|segment| {
                                            view! {
                                                <tr>
                                                    <th scope="row">{segment.name.clone()}</th>
                                                    <td>{segment.description.clone()}</td>
                                                    <td>
                                                        {segment
                                                            .constraints
                                                            .iter()
                                                            .map(|c| {
                                                                format!(
                                                                    "{}{} {} [{}]",
                                                                    if c.inverted { "NOT " } else { "" },
                                                                    c.context_name,
                                                                    c.operator,
                                                                    c.values,
                                                                )
                                                            })
                                                            .collect::<Vec<_>>()
                                                            .join("; ")}
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
        <Show when=move || editable>
            <section class="card" aria-labelledby="segment-heading">
                <h2 id="segment-heading">"New segment"</h2>
                <form on:submit=submit>
                    <FormField label="Name" name="name" error value=name required=true form="segment" />
                    <FormField label="Description" name="description" error value=description form="segment" />
                    <ConstraintsEditor constraints editable=true />
                    <AnyError error />
                    <button type="submit" disabled=move || add.pending().get()>
                        "Create segment"
                    </button>
                </form>
            </section>
        </Show>
    }
}
