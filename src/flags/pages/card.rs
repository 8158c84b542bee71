//! The flags' dashboard card.

use super::*;

#[component]
pub fn FlagsCard() -> impl IntoView {
    let digest = Resource::new(|| (), |_| flags_digest());
    view! {
        <section class="card" aria-labelledby="flags-card">
            <h2 id="flags-card">"Feature flags"</h2>
            <Suspense fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match digest.await {
                        Ok(d) => {
                            view! {
                                <h3>"Changed in the last 24 h"</h3>
                                {if d.changed.is_empty() {
                                    view! { <p>"No changes."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="activity">
                                            {d
                                                .changed
                                                .into_iter()
                                                .map(|v| {
                                                    view! {
                                                        <li>
                                                            {v.summary.clone()}" · "{v.changed_by.clone()}" · "
                                                            <Timestamp at=v.changed_at />
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    }
                                        .into_any()
                                }}
                                <h3>"Potentially stale"</h3>
                                {if d.stale.is_empty() {
                                    view! {
                                        <p>
                                            <span class="dot ok"></span>
                                            "None."
                                        </p>
                                    }
                                        .into_any()
                                } else {
                                    view! {
                                        <ul class="activity">
                                            {d
                                                .stale
                                                .into_iter()
                                                .map(|k| {
                                                    view! {
                                                        <li>
                                                            <span class="dot warn"></span>
                                                            <a href=flag_href(&k)>{k.clone()}</a>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    }
                                        .into_any()
                                }}
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <a href="/flags">"All flags →"</a>
        </section>
    }
}
