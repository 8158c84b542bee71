//! `/flags`: the list with per-environment kill switches, the flag page with the rollout editor,
//! history and schedules, the playground, and import/export. Everyone reads; owner and PM edit.

use super::api::*;
use super::model::{
    ConstraintForm, EnvironmentSettings, Flag, FlagFilter, FlagKind, RolloutForm, RolloutView, ScheduleForm, Segment,
    VariantForm, OPERATORS,
};
use crate::auth::access::can;
use crate::auth::model::Permission;
use crate::error::AppError;
use crate::ui::{
    last_error, local_input_to_rfc3339, reload_on_success, title_text, ErrorPanel, FieldError, FormError, FormField,
    PageHeader, Timestamp,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

fn can_edit() -> bool {
    can(Permission::ManageFlags)
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
            <p class="form-error" role="alert">
                {message}
            </p>
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
            <A href="/flags" exact=true>
                "All flags"
            </A>
            <A href="/flags/playground">"Playground"</A>
            <A href="/flags/segments">"Segments"</A>
            <A href="/flags/import">"Import / export"</A>
        </nav>
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

mod card;
mod flag;
mod import_export;
mod list;
mod playground;
mod segments;

pub use card::*;
pub use flag::*;
pub use import_export::*;
pub use list::*;
pub use playground::*;
pub use segments::*;
