//! Incidents in the console: its routes (lazy pages) and its nav entry.

use super::pages::{ActionItemsPage, IncidentPage, IncidentsPage, MetricsPage, PostmortemPage, SeveritiesPage};
use crate::auth::access::NavEntry;
use crate::auth::model::Permission;
use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, Lazy, MatchNestedRoutes};

pub const NAV: &[NavEntry] = &[NavEntry { href: "/incidents", label: "Incidents", permission: Permission::UseConsole }];

crate::lazy_page!(
    IncidentsRoute => IncidentsPage,
    MetricsRoute => MetricsPage,
    ActionItemsRoute => ActionItemsPage,
    SeveritiesRoute => SeveritiesPage,
    IncidentRoute => IncidentPage,
    PostmortemRoute => PostmortemPage,
);

#[component(transparent)]
pub fn IncidentRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/incidents") view={Lazy::<IncidentsRoute>::new()} />
        <Route path=path!("/incidents/metrics") view={Lazy::<MetricsRoute>::new()} />
        <Route path=path!("/incidents/action-items") view={Lazy::<ActionItemsRoute>::new()} />
        <Route path=path!("/incidents/severities") view={Lazy::<SeveritiesRoute>::new()} />
        <Route path=path!("/incidents/:id") view={Lazy::<IncidentRoute>::new()} />
        <Route path=path!("/incidents/:id/postmortem") view={Lazy::<PostmortemRoute>::new()} />
    }
    .into_inner()
}
