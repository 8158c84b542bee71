//! The composition root: the page shell, the console's routes and nav (one line per domain), the
//! signed-in layout around every console page and, on the server, the app state, the HTTP router
//! and the CLI. The only module that lists domains.

use crate::audit::components::RecentChangesCard;
use crate::audit::console::AuditRoutes;
use crate::auth::access::NavEntry;
use crate::auth::api::{who_am_i, Me, SignOut};
use crate::auth::console::{AccountRoutes, PublicRoutes};
use crate::dashboard::pages::DashboardPage;
use crate::flags::console::FlagRoutes;
use crate::flags::pages::FlagsCard;
use crate::incidents::components::{OpenIncidentsCard, OverdueActionItemsCard};
use crate::incidents::console::IncidentRoutes;
use crate::maintenance::components::{MaintenanceBanner, MaintenanceCard, MaintenanceChanged};
use crate::maintenance::console::MaintenanceRoutes;
use crate::monitors::components::MonitorsCard;
use crate::monitors::console::MonitorRoutes;
use crate::status::components::StatusPageCard;
use crate::status::console::StatusRoutes;
use crate::ui::ErrorPanel;
use crate::{audit, auth, dashboard, flags, incidents, maintenance, monitors, status};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes, A};
use leptos_router::{path, Lazy, SsrMode};

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod state;

/// The main navigation, in order: each domain's entries.
const NAV: [&[NavEntry]; 8] = [
    dashboard::NAV,
    monitors::console::NAV,
    incidents::console::NAV,
    status::console::NAV,
    flags::console::NAV,
    maintenance::console::NAV,
    auth::console::NAV,
    audit::console::NAV,
];

#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    #[cfg(feature = "ssr")]
    crate::server::headers::set_page_policy();
    let stylesheet = use_context::<std::sync::Arc<crate::server::assets::AssetNames>>()
        .map(|assets| assets.stylesheet.clone())
        .unwrap_or_default();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=stylesheet />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Pitwall".to_owned() } else { format!("{page} · Pitwall") }
        } />
        <Router>
            <Routes fallback=|| view! { <ErrorPanel error=crate::error::AppError::not_found("Page") /> }>
                <PublicRoutes />
                // Async: a page's status (403 for a role that may not see it) is known before it is sent.
                <ParentRoute path=path!("") view=ConsoleLayout ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<DashboardRoute>::new()} />
                    <MaintenanceRoutes />
                    <MonitorRoutes />
                    <IncidentRoutes />
                    <StatusRoutes />
                    <FlagRoutes />
                    <AccountRoutes />
                    <AuditRoutes />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The dashboard with every domain's cards, in order.
#[component]
fn Dashboard() -> impl IntoView {
    view! {
        <DashboardPage>
            <MonitorsCard />
            <OpenIncidentsCard />
            <StatusPageCard />
            <MaintenanceCard />
            <OverdueActionItemsCard />
            <FlagsCard />
            <RecentChangesCard />
        </DashboardPage>
    }
}

// The layout stays in the main chunk: made lazy, it took 33 KB (brotli) off /signin but added
// 77 KB to the dashboard, in shared chunks (bench/wasm-size.sh).
crate::lazy_page!(DashboardRoute => Dashboard);

#[component]
fn ConsoleLayout() -> impl IntoView {
    let user = Resource::new(|| (), |_| who_am_i());
    view! {
        <Suspense fallback=|| {
            view! { <p class="loading">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(me)) => view! { <Console me /> }.into_any(),
                    Ok(None) => {
                        view! {
                            <main class="content">
                                <ErrorPanel error=crate::error::AppError::Unauthorized />
                            </main>
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! {
                            <main class="content">
                                <ErrorPanel error />
                            </main>
                        }
                            .into_any()
                    }
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
        .flatten()
        .filter(|entry| role.can(entry.permission))
        .map(|entry| {
            view! {
                <li>
                    <A href=entry.href exact=true>
                        {entry.label}
                    </A>
                </li>
            }
        })
        .collect_view();
    let email = me.email.clone();
    provide_context(me);
    MaintenanceChanged::provide();
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="topbar">
            <a class="brand" href="/">
                "Pitwall"
            </a>
            <nav aria-label="Main">
                <ul>{links}</ul>
            </nav>
            <div class="who">
                <A href="/account" attr:class="who-email">
                    {email}
                </A>
                <span class="role-badge" title="Your role">
                    {role.label()}
                </span>
                <ActionForm action=sign_out attr:class="inline">
                    <button type="submit" class="secondary">
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </header>
        <MaintenanceBanner />
        <main id="main" class="content">
            <Outlet />
        </main>
    }
}
