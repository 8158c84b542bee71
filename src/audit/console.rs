//! The audit log in the console: its route (a lazy page) and its nav entry.

use super::pages::AuditPage;
use crate::auth::access::NavEntry;
use crate::auth::model::Permission;
use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, Lazy, MatchNestedRoutes};

pub const NAV: &[NavEntry] = &[NavEntry { href: "/audit", label: "Audit log", permission: Permission::ReadAudit }];

crate::lazy_page!(AuditRoute => AuditPage);

#[component(transparent)]
pub fn AuditRoutes() -> impl MatchNestedRoutes + Clone {
    view! { <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} /> }.into_inner()
}
