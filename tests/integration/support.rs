//! Test harness: each test gets the app on port 0 over a fresh database on a real Postgres —
//! the one in `DATABASE_URL`, else a private embedded cluster under `target/`.

use pitwall::app::startup::Application;
use pitwall::server::config::Config;
use pitwall::server::db::Database;
use pitwall::server::embedded_pg::EmbeddedPostgres;
use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};
use reqwest::{redirect, Response, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::OnceCell;

/// The `pitwall` binary, for tests that run the CLI or a second process.
pub const BIN: &str = env!("CARGO_BIN_EXE_pitwall");
pub const OWNER_EMAIL: &str = "owner@example.com";
pub const PASSWORD: &str = "correct horse battery staple";
/// The set-up code every test app accepts (`PITWALL_SETUP_CODE`).
pub const SETUP_CODE: &str = "test-setup-code-2026";

enum Server {
    Url(Box<PgConnectOptions>),
    Embedded(EmbeddedPostgres),
}

impl Server {
    fn options(&self, database: &str) -> PgConnectOptions {
        match self {
            Server::Url(options) => (**options).clone().database(database),
            Server::Embedded(cluster) => cluster.connect_options(database),
        }
    }

    fn url(&self, database: &str) -> String {
        match self {
            Server::Url(_) => {
                let url = std::env::var("DATABASE_URL").expect("DATABASE_URL is set");
                let (server, _) = url.rsplit_once('/').expect("DATABASE_URL names a database");
                format!("{server}/{database}")
            }
            Server::Embedded(cluster) => cluster.url(database),
        }
    }
}

/// A connection to the test server's maintenance database, for what no app connection may do.
pub async fn admin_pool() -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .connect_with(server().await.options("postgres"))
        .await
        .expect("admin connection")
}

/// The URL of a test database, for child processes.
pub async fn url_of(database: &str) -> String {
    server().await.url(database)
}

/// A pool that connects on first use: a process started while its database is away.
pub async fn connect_lazy(database: &str) -> PgPool {
    PgPoolOptions::new().max_connections(5).connect_lazy_with(server().await.options(database))
}

/// A new pool to an existing test database: another process's view of it.
pub async fn connect(database: &str) -> PgPool {
    PgPoolOptions::new().max_connections(5).connect_with(server().await.options(database)).await.expect("connect")
}

static SERVER: OnceCell<Server> = OnceCell::const_new();

pub fn test_cluster_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pitwall-test-pg")
}

async fn server() -> &'static Server {
    SERVER
        .get_or_init(|| async {
            let server = match std::env::var("DATABASE_URL") {
                Ok(url) if !url.is_empty() => Server::Url(Box::new(url.parse().expect("DATABASE_URL parses"))),
                // Test data is disposable: skip the fsyncs.
                _ => Server::Embedded(
                    EmbeddedPostgres::start(
                        &test_cluster_dir(),
                        None,
                        &["fsync = off", "synchronous_commit = off", "full_page_writes = off"],
                    )
                    .await
                    .expect("embedded PostgreSQL starts for the tests"),
                ),
            };
            drop_stale_databases(&server).await;
            server
        })
        .await
}

fn now_s() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Test databases are named `pitwall_test_<unix seconds>_<n>`; those older than two hours are
/// left over from crashed runs.
async fn drop_stale_databases(server: &Server) {
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(server.options("postgres"))
        .await
        .expect("admin connection");
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'pitwall_test_%'")
        .fetch_all(&admin)
        .await
        .unwrap();
    for name in names {
        let created = name.split('_').nth(2).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        if created + 7200 < now_s() {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&admin).await;
        }
    }
    admin.close().await;
}

/// A new, empty database on the test server, and a pool to it.
pub async fn fresh_database() -> (String, PgPool) {
    let server = server().await;
    let name = format!("pitwall_test_{}_{}", now_s(), rand_suffix());
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(server.options("postgres"))
        .await
        .expect("admin connection");
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&admin).await.expect("create test database");
    admin.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(5)
        .connect_with(server.options(&name))
        .await
        .expect("connect to test database");
    (name, pool)
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::Instant::now()) % 1_000_000_000
}

pub fn test_config(extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("PITWALL_LISTEN".into(), "127.0.0.1:0".into()),
        ("PITWALL_SETUP_CODE".into(), SETUP_CODE.into()),
    ]);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|k| vars.get(k).cloned()).expect("test config is valid")
}

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub database: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    pub async fn spawn_with(config: &[(&str, &str)]) -> Self {
        let (database, pool) = fresh_database().await;
        Self::spawn_on(database, pool, config).await
    }

    /// The app over a fresh database through the pool the server itself opens from `config`
    /// (`PITWALL_DB_POOL_SIZE`, `PITWALL_DB_ACQUIRE_TIMEOUT`); `pool` is that same pool.
    pub async fn spawn_with_server_pool(config: &[(&str, &str)]) -> Self {
        let (database, scratch) = fresh_database().await;
        scratch.close().await;
        let url = server().await.url(&database);
        let mut config = config.to_vec();
        config.push(("DATABASE_URL", &url));
        let pool = Database::open(&test_config(&config)).await.expect("the database opens").pool;
        Self::spawn_on(database, pool, &config).await
    }

    /// The app over an existing test database (as after a restart).
    pub async fn spawn_on_database(database: String) -> Self {
        let pool = connect(&database).await;
        Self::spawn_on(database, pool, &[]).await
    }

    async fn spawn_on(database: String, pool: PgPool, config: &[(&str, &str)]) -> Self {
        let app = Application::with_pool(test_config(config), pool.clone()).await.expect("app starts");
        let base = format!("http://{}", app.local_addr());
        tokio::spawn(app.run_until(std::future::pending()));
        Self { base, pool, database }
    }

    /// Another Pitwall process on the same database, with its own pool, scheduler and watcher.
    pub async fn second_process(&self) -> TestApp {
        self.second_process_with(&[]).await
    }

    pub async fn second_process_with(&self, config: &[(&str, &str)]) -> TestApp {
        Self::spawn_on(self.database.clone(), connect(&self.database).await, config).await
    }

    /// A URL of this test's database, for child processes such as the CLI.
    pub async fn database_url(&self) -> String {
        server().await.url(&self.database)
    }

    /// A browser: its own cookie jar, same-origin `Origin` on every request, redirects not followed.
    pub fn browser(&self) -> Browser {
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, HeaderValue::from_str(&self.base).unwrap());
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .default_headers(headers)
            .timeout(REQUEST_LIMIT)
            .build()
            .unwrap();
        Browser { client, base: self.base.clone() }
    }

    /// A machine client: no cookies, no Origin.
    pub fn machine(&self) -> reqwest::Client {
        reqwest::Client::builder().redirect(redirect::Policy::none()).timeout(REQUEST_LIMIT).build().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates the owner through `/setup`; returns the owner's signed-in browser.
    pub async fn setup_owner(&self) -> Browser {
        let owner = self.browser();
        let res = owner
            .call(
                "setup",
                &[("code", SETUP_CODE), ("email", OWNER_EMAIL), ("password", PASSWORD), ("confirm", PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "setup: {}", res.text().await.unwrap());
        owner
    }

    /// Adds a user as the owner, then signs them in in a browser of their own.
    pub async fn user(&self, owner: &Browser, email: &str, role: &str) -> Browser {
        let res = owner.call("users/add", &[("email", email), ("role", role), ("password", PASSWORD)]).await;
        assert_eq!(res.status(), StatusCode::OK, "add user: {}", res.text().await.unwrap());
        let browser = self.browser();
        browser.sign_in(email, PASSWORD).await.assert_ok().await;
        browser
    }

    /// The database goes away for every process: no new connections, the open ones cut.
    pub async fn cut_off_database(&self) {
        let admin = admin_pool().await;
        sqlx::query(&format!("ALTER DATABASE \"{}\" ALLOW_CONNECTIONS false", self.database))
            .execute(&admin)
            .await
            .unwrap();
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&self.database)
            .execute(&admin)
            .await
            .unwrap();
    }

    /// The database takes connections again.
    pub async fn restore_database(&self) {
        let admin = admin_pool().await;
        sqlx::query(&format!("ALTER DATABASE \"{}\" ALLOW_CONNECTIONS true", self.database))
            .execute(&admin)
            .await
            .unwrap();
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&self.pool).await.unwrap()
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(&self.pool).await.unwrap()
    }
}

pub struct Browser {
    pub client: reqwest::Client,
    base: String,
}

impl Browser {
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// Calls a server fn the way the hydrated page does: a form-encoded POST to `/api/<endpoint>`.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(format!("{}/api/{endpoint}", self.base)).form(form).send().await.unwrap()
    }

    pub async fn call_json(&self, endpoint: &str, body: serde_json::Value) -> Response {
        self.client.post(format!("{}/api/{endpoint}", self.base)).json(&body).send().await.unwrap()
    }

    /// Creates a token with one scope (and no environment) as this owner; the answer holds `secret` and `token`.
    pub async fn create_token(&self, name: &str, scope: &str) -> serde_json::Value {
        self.call_json("tokens/create", serde_json::json!({"name": name, "scopes": [scope], "environment": ""}))
            .await
            .assert_ok()
            .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.call("sign_in", &[("email", email), ("password", password)]).await
    }
}

pub trait ResponseExt {
    async fn assert_ok(self) -> serde_json::Value;
    /// Asserts the status and returns the JSON error body.
    async fn assert_error(self, status: u16) -> serde_json::Value;
}

impl ResponseExt for Response {
    async fn assert_ok(self) -> serde_json::Value {
        let status = self.status();
        let body = self.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "expected 200, got {status}: {body}");
        serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)
    }

    async fn assert_error(self, status: u16) -> serde_json::Value {
        let got = self.status().as_u16();
        let body = self.text().await.unwrap();
        assert_eq!(got, status, "expected {status}, got {got}: {body}");
        serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)
    }
}

/// The `kind` and field message of a server fn error body.
pub fn field_error(body: &serde_json::Value, field: &str) -> Option<String> {
    (body["kind"] == "validation" && body["field"] == field)
        .then(|| body["message"].as_str().unwrap_or_default().to_owned())
}

/// How long a functional test waits for something that normally takes milliseconds: generous, so
/// a loaded CI machine does not fail it; speed is measured by `bench/live.sh`, not here.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// No request to the app takes this long: past it a test fails naming the request (a hung
/// request once held a test run for good) instead of hanging CI.
const REQUEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Configuration with the periodic re-read of live state off, so only NOTIFY can deliver a change.
pub const NOTIFY_ONLY: &[(&str, &str)] = &[("PITWALL_LIVE_REREAD", "off")];

/// Polls `check` every 20 ms for up to `limit`; returns how long it took to hold.
pub async fn within<F, Fut>(limit: std::time::Duration, mut check: F) -> std::time::Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "condition not met within {limit:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// aiosmtpd on a free port; its messages, parsed, land in a JSON-lines file.
pub struct SmtpSink {
    child: tokio::process::Child,
    pub port: u16,
    out: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (port_file, out) = (dir.path().join("port"), dir.path().join("messages.jsonl"));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let child = tokio::process::Command::new("python3")
            .args([script, port_file.to_str().unwrap(), out.to_str().unwrap()])
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs (make test-tools installs aiosmtpd)");
        within(WAIT, || async { std::fs::read_to_string(&port_file).is_ok_and(|p| !p.is_empty()) }).await;
        let port = std::fs::read_to_string(&port_file).unwrap().trim().parse().unwrap();
        Self { child, port, out, _dir: dir }
    }

    pub fn messages(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
