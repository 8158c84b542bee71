//! Feature flags in the console: its routes (lazy pages) and its nav entry.

use super::pages::{FlagPage, FlagsPage, ImportExportPage, PlaygroundPage, SegmentsPage};
use crate::auth::access::NavEntry;
use crate::auth::model::Permission;
use leptos::prelude::*;
use leptos_router::components::Route;
use leptos_router::{path, Lazy, MatchNestedRoutes};

pub const NAV: &[NavEntry] = &[NavEntry { href: "/flags", label: "Flags", permission: Permission::UseConsole }];

crate::lazy_page!(
    FlagsRoute => FlagsPage,
    PlaygroundRoute => PlaygroundPage,
    ImportExportRoute => ImportExportPage,
    SegmentsRoute => SegmentsPage,
    FlagRoute => FlagPage,
);

#[component(transparent)]
pub fn FlagRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/flags") view={Lazy::<FlagsRoute>::new()} />
        <Route path=path!("/flags/playground") view={Lazy::<PlaygroundRoute>::new()} />
        <Route path=path!("/flags/import") view={Lazy::<ImportExportRoute>::new()} />
        <Route path=path!("/flags/segments") view={Lazy::<SegmentsRoute>::new()} />
        <Route path=path!("/flags/:key") view={Lazy::<FlagRoute>::new()} />
    }
    .into_inner()
}
