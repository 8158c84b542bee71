//! The dashboard card: what the public status page says right now.

use super::api::page_indicator;
use super::model::Indicator;
use leptos::prelude::*;

#[component]
pub fn StatusPageCard() -> impl IntoView {
    let indicator = Resource::new(|| (), |_| page_indicator());
    view! {
        <section class="card" aria-labelledby="status-card">
            <h2 id="status-card">"Status page"</h2>
            <Suspense fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match indicator.await {
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                        Ok(indicator) => {
                            let dot = if indicator == Indicator::None { "dot ok" } else { "dot warn" };
                            view! {
                                <p data-indicator=indicator.as_str()>
                                    <span class=dot></span>
                                    {indicator.description()}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
            <a href="/status" rel="external">
                "Public page →"
            </a>
        </section>
    }
}
