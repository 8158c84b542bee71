//! The page shell, the routes, and the signed-in layout around every console page.

use crate::audit::pages::AuditPage;
use crate::auth::api::{who_am_i, Me, SignOut};
use crate::auth::model::Permission;
use crate::auth::pages::{AccountPage, SetupPage, SignInPage, TokensPage, UsersPage};
use crate::dashboard::pages::DashboardPage;
use crate::flags::pages::{FlagPage, FlagsPage, ImportExportPage, PlaygroundPage, SegmentsPage};
use crate::incidents::pages::{
    ActionItemsPage, IncidentPage, IncidentsPage, MetricsPage, PostmortemPage, SeveritiesPage,
};
use crate::maintenance::components::{MaintenanceBanner, MaintenanceChanged};
use crate::maintenance::pages::MaintenancePage;
use crate::ui::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    let stylesheet = use_context::<crate::server::state::AppState>()
        .map(|state| state.assets.stylesheet.clone())
        .unwrap_or_default();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=stylesheet/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Pitwall".to_owned() } else { format!("{page} · Pitwall") }/>
        <Router>
            <Routes fallback=|| view! { <ErrorPanel error=crate::error::AppError::not_found("Page")/> }>
                <Route path=path!("/setup") view=SetupPage/>
                <Route path=path!("/signin") view=SignInPage/>
                // Async: a page's status (403 for a role that may not see it) is known before it is sent.
                <ParentRoute path=path!("") view=ConsoleLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=DashboardPage/>
                    <Route path=path!("/maintenance") view=MaintenancePage/>
                    <Route path=path!("/incidents") view=IncidentsPage/>
                    <Route path=path!("/incidents/metrics") view=MetricsPage/>
                    <Route path=path!("/incidents/action-items") view=ActionItemsPage/>
                    <Route path=path!("/incidents/severities") view=SeveritiesPage/>
                    <Route path=path!("/incidents/:id") view=IncidentPage/>
                    <Route path=path!("/incidents/:id/postmortem") view=PostmortemPage/>
                    <Route path=path!("/flags") view=FlagsPage/>
                    <Route path=path!("/flags/playground") view=PlaygroundPage/>
                    <Route path=path!("/flags/import") view=ImportExportPage/>
                    <Route path=path!("/flags/segments") view=SegmentsPage/>
                    <Route path=path!("/flags/:key") view=FlagPage/>
                    <Route path=path!("/users") view=UsersPage/>
                    <Route path=path!("/settings/tokens") view=TokensPage/>
                    <Route path=path!("/audit") view=AuditPage/>
                    <Route path=path!("/account") view=AccountPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Navigation entries, each shown only to roles holding its permission.
const NAV: [(&str, &str, Permission); 7] = [
    ("/", "Dashboard", Permission::UseConsole),
    ("/incidents", "Incidents", Permission::UseConsole),
    ("/flags", "Flags", Permission::UseConsole),
    ("/maintenance", "Maintenance", Permission::UseConsole),
    ("/users", "Users", Permission::ManageUsers),
    ("/settings/tokens", "API tokens", Permission::ManageFlagTokens),
    ("/audit", "Audit log", Permission::ReadAudit),
];

#[component]
fn ConsoleLayout() -> impl IntoView {
    let user = Resource::new(|| (), |_| who_am_i());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(me)) => view! { <Console me/> }.into_any(),
                    Ok(None) => view! { <main class="content"><ErrorPanel error=crate::error::AppError::Unauthorized/></main> }.into_any(),
                    Err(error) => view! { <main class="content"><ErrorPanel error/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Console(me: Me) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            // A full load: every cached view of the signed-in user is dropped with it.
            let _ = window().location().set_href("/signin");
        }
    });
    let role = me.role;
    let links = NAV
        .into_iter()
        .filter(|(_, _, permission)| role.can(*permission))
        .map(|(href, label, _)| view! { <li><A href=href exact=true>{label}</A></li> })
        .collect_view();
    let email = me.email.clone();
    provide_context(me);
    MaintenanceChanged::provide();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">"Pitwall"</a>
            <nav aria-label="Main">
                <ul>{links}</ul>
            </nav>
            <div class="who">
                <A href="/account" attr:class="who-email">{email}</A>
                <span class="role-badge" title="Your role">{role.label()}</span>
                <ActionForm action=sign_out attr:class="inline">
                    <button type="submit" class="secondary">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
        <MaintenanceBanner/>
        <main id="main" class="content">
            <Outlet/>
        </main>
    }
}

/// The signed-in user, provided by the layout to every console page.
pub fn use_me() -> Option<Me> {
    use_context::<Me>()
}

/// Renders `children` only for roles holding `permission`; others get the 403 panel and none of
/// the page's controls. (The server fns behind the page refuse them regardless.)
#[component]
pub fn RequirePermission(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let allowed = use_me().is_some_and(|me| me.role.can(permission));
    view! {
        <Show when=move || allowed fallback=|| view! { <ErrorPanel error=crate::error::AppError::Forbidden/> }>
            {children()}
        </Show>
    }
}
