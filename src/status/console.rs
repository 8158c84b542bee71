//! The status page in the console: its settings route (a lazy page) and its nav entry.

use super::pages::StatusSettingsPage;
use crate::auth::access::NavEntry;
use crate::auth::model::Permission;
use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, Lazy, MatchNestedRoutes};

pub const NAV: &[NavEntry] =
    &[NavEntry { href: "/status/settings", label: "Status page", permission: Permission::ManageStatusPage }];

crate::lazy_page!(StatusSettingsRoute => StatusSettingsPage);

#[component(transparent)]
pub fn StatusRoutes() -> impl MatchNestedRoutes + Clone {
    view! { <Route path=path!("/status/settings") view={Lazy::<StatusSettingsRoute>::new()} /> }.into_inner()
}
