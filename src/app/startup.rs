//! Assembling the application: router, middleware, listener, graceful shutdown.

use super::state::AppState;
use super::{shell, App};
use crate::auth::guard;
use crate::flags::live::LiveFlags;
use crate::maintenance::live::LiveState;
use crate::server::assets::{self, AssetNames};
use crate::server::config::Config;
use crate::server::db::{self, Database, DatabaseError};
use crate::server::listen::{self, ConnectionLimits};
use crate::server::{client_ip, csrf, headers, health, jobs, sessions};
use crate::status::snapshot::LiveStatus;
use crate::{audit, auth, flags, incidents, maintenance, monitors, status};
use axum::extract::ConnectInfo;
use axum::middleware::from_fn_with_state;
use axum::Router;
use http::header::CACHE_CONTROL;
use http::HeaderValue;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::PgPool;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

pub const OUTPUT_NAME: &str = "pitwall";
const PKG_DIR: &str = "pkg";

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("cannot prepare first-run set-up: {0}")]
    SetUp(crate::error::AppError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    database: Option<Database>,
    setup_code: Option<String>,
}

impl Application {
    /// Opens the configured database (embedded when `DATABASE_URL` is unset), migrates it and binds.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let database = Database::open(&config).await?;
        let mut app = Self::with_pool(config, database.pool.clone()).await?;
        app.database = Some(database);
        Ok(app)
    }

    /// Serves over an existing pool (tests inject their own database this way).
    pub async fn with_pool(config: Config, pool: PgPool) -> Result<Self, StartupError> {
        db::migrate(&pool).await?;
        let setup_code =
            auth::setup::prepare(&pool, config.setup_code.as_deref()).await.map_err(StartupError::SetUp)?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartupError::Bind { addr: config.listen, source })?;
        let mut leptos_options = LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir(PKG_DIR)
            .build();
        let assets = AssetNames::discover(OUTPUT_NAME, PKG_DIR);
        leptos_options.hash_files = assets.hashed;
        leptos_options.site_addr =
            listener.local_addr().map_err(|source| StartupError::Bind { addr: config.listen, source })?;
        let supervisor = jobs::Supervisor::default();
        jobs::spawn_session_sweeper(&supervisor, pool.clone());
        // Each domain's background jobs: one line per domain that has any.
        auth::spawn_jobs(&supervisor, &pool);
        maintenance::spawn_jobs(&supervisor, &pool);
        incidents::spawn_jobs(&supervisor, &pool);
        monitors::spawn_jobs(&supervisor, &pool, config.public_url.clone());
        flags::spawn_jobs(&supervisor, &pool);
        status::spawn_jobs(&supervisor, &pool, &config.status_page_url());
        let maintenance = LiveState::start(pool.clone(), config.live_reread, &supervisor).await;
        let flags = LiveFlags::start(pool.clone(), config.live_reread, &supervisor).await;
        let status = LiveStatus::start(pool.clone(), config.live_reread, &supervisor, config.status_page_url()).await;
        let limits = config.connection_limits;
        let state = AppState::new(leptos_options, pool, config, assets, supervisor, maintenance, flags, status);
        Ok(Self { listener, router: router(state), limits, database: None, setup_code })
    }

    /// The one-time code that creates the owner, while no user exists.
    pub fn setup_code(&self) -> Option<&str> {
        self.setup_code.as_deref()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, then drains requests and closes the database.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router;
        let service_for = |peer: SocketAddr| {
            router.clone().map_request(move |mut req: axum::extract::Request| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            })
        };
        let served = listen::serve(self.listener, self.limits, service_for, shutdown).await;
        if let Some(database) = self.database {
            database.close().await;
        }
        served
    }
}

/// Every domain's routes under one security policy: the console (pages, server fns and the
/// token APIs that act for a person or a deploy script) behind sessions, CSRF and the guard; the
/// public and SDK endpoints beside it; the same headers and compression on everything.
pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let provide_state = move || context_state.provide_contexts();
    let (maintenance_public, maintenance_api) = maintenance::routes();

    let console = Router::new()
        .leptos_routes_with_context(&state, routes, provide_state.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        // Machine APIs with scoped tokens: one line per domain.
        .merge(audit::routes())
        .merge(maintenance_api)
        .merge(incidents::routes())
        .merge(monitors::routes())
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_state, shell))
        .layer(from_fn_with_state(state.clone(), guard::page_access))
        .layer(from_fn_with_state(state.clone(), guard::resolve_user))
        .layer(sessions::layer(&state.pool, &state.config))
        .layer(from_fn_with_state(state.clone(), csrf::middleware))
        // Pages and server fn answers are per-user: never stored by caches.
        .layer(SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, HeaderValue::from_static("no-store")));

    let ops = Router::new()
        .merge(health::routes())
        // Public and answered from memory: apps may poll it on every request of theirs.
        .merge(maintenance_public)
        .layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-store")));

    // For apps' flag SDKs: token-authenticated, answered from memory, revalidated by ETag.
    let flag_apis =
        flags::routes().layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-cache")));

    let app = Router::new()
        .merge(assets::pkg_router(&state.config.site_root, PKG_DIR, state.assets.hashed))
        .merge(ops)
        // The public status page and Statuspage's API: no sign-in, cached briefly by anyone.
        .merge(status::routes())
        .merge(flag_apis)
        .merge(console)
        .layer(from_fn_with_state(state.clone(), status::http::status_host))
        .layer(from_fn_with_state(state.clone(), client_ip::middleware))
        .layer(from_fn_with_state(state.clone(), csrf::host_middleware));
    headers::apply(app, &state.config).layer(CompressionLayer::new()).with_state(state)
}
