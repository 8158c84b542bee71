//! Maintenance in the console: its route (a lazy page) and its nav entry. The banner every
//! console page shows while maintenance is on is in `components`.

use super::pages::MaintenancePage;
use crate::auth::access::NavEntry;
use crate::auth::model::Permission;
use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, Lazy, MatchNestedRoutes};

pub const NAV: &[NavEntry] =
    &[NavEntry { href: "/maintenance", label: "Maintenance", permission: Permission::UseConsole }];

crate::lazy_page!(MaintenanceRoute => MaintenancePage);

#[component(transparent)]
pub fn MaintenanceRoutes() -> impl MatchNestedRoutes + Clone {
    view! { <Route path=path!("/maintenance") view={Lazy::<MaintenanceRoute>::new()} /> }.into_inner()
}
