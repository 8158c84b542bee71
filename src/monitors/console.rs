//! Monitors in the console: its routes (lazy pages) and its nav entry.

use super::pages::{AlertsPage, CachesPage, MonitorPage, MonitorsPage, NewMonitorPage};
use crate::auth::access::NavEntry;
use crate::auth::model::Permission;
use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, Lazy, MatchNestedRoutes};

pub const NAV: &[NavEntry] = &[
    NavEntry { href: "/monitors", label: "Monitors", permission: Permission::UseConsole },
    NavEntry { href: "/caches", label: "Caches", permission: Permission::UseConsole },
    NavEntry { href: "/settings/alerts", label: "Alerts", permission: Permission::ManageMonitors },
];

crate::lazy_page!(
    MonitorsRoute => MonitorsPage,
    NewMonitorRoute => NewMonitorPage,
    MonitorRoute => MonitorPage,
    AlertsRoute => AlertsPage,
    CachesRoute => CachesPage,
);

#[component(transparent)]
pub fn MonitorRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/monitors") view={Lazy::<MonitorsRoute>::new()} />
        <Route path=path!("/monitors/new") view={Lazy::<NewMonitorRoute>::new()} />
        <Route path=path!("/monitors/:id") view={Lazy::<MonitorRoute>::new()} />
        <Route path=path!("/settings/alerts") view={Lazy::<AlertsRoute>::new()} />
        <Route path=path!("/caches") view={Lazy::<CachesRoute>::new()} />
    }
    .into_inner()
}
