//! Pitwall: the ops console for small SaaS teams.
#![recursion_limit = "256"]

pub mod app;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod duration;
pub mod error;
pub mod flags;
pub mod incidents;
pub mod maintenance;
pub mod monitors;
pub mod status;
pub mod text_enum;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes: the page's own code is fetched before it hydrates, so hydration is async.
    wasm_bindgen_futures::spawn_local(async {
        let app =
            leptos::mount::hydrate_from_async(leptos::prelude::document().body().expect("a page has a body"), app::App)
                .await;
        app.forget();
        // Marks the page interactive, for people's tools and the browser tests alike.
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "");
        }
    });
}
