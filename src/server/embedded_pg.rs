//! Pitwall's own PostgreSQL cluster, used when `DATABASE_URL` is unset.
//!
//! The cluster lives under the data directory and listens only on a Unix socket there. Every
//! Pitwall process using it (server, CLI commands, test runs) holds a shared lock on
//! `cluster.lock` for as long as it uses the cluster; starting and stopping happen under an
//! exclusive `startup.lock`. So a second process reuses a running postmaster instead of starting
//! another, and the last process out (the one that can lock `cluster.lock` exclusively) stops it.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::ConnectOptions;
use std::fs::{self, File, OpenOptions};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SUPERUSER: &str = "pitwall";
pub const DATABASE: &str = "pitwall";
/// Only names the socket file: the cluster listens on no TCP port.
const SOCKET_PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes; keep room for `/.s.PGSQL.5432`.
const MAX_SOCKET_DIR_LEN: usize = 90;
/// Where a root-run Pitwall keeps clusters whose data directory the `postgres` user cannot reach.
const ROOT_FALLBACK_DIR: &str = "/var/lib/pitwall/clusters";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them \
         (Debian/Ubuntu: `apt-get install postgresql`), point PITWALL_PG_BINDIR at them, \
         or set DATABASE_URL to use an existing database."
    )]
    NoBinaries,
    #[error(
        "Pitwall is running as root and PostgreSQL refuses to: there is no unprivileged `postgres` user to run \
         the cluster as (installing the postgresql package creates one). Or run Pitwall as another user, or set DATABASE_URL."
    )]
    NoUnprivilegedUser,
    #[error("the socket directory {0} is too long for a Unix socket; set PITWALL_DATA_DIR to a shorter path")]
    PathTooLong(PathBuf),
    #[error("{0} is not empty and holds no PostgreSQL cluster; move it away or choose another PITWALL_DATA_DIR")]
    ForeignDirectory(PathBuf),
    #[error("{action} failed: {detail}")]
    Command { action: String, detail: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("could not prepare the database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A running cluster this process holds a share of.
pub struct EmbeddedPostgres {
    pgdata: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<String>,
    /// Held shared while this process uses the cluster.
    users_lock: File,
    /// Held exclusively while the cluster is being started or stopped.
    startup_lock: File,
}

impl EmbeddedPostgres {
    /// Starts (creating on first use) the cluster for `data_dir`, or joins it if already running.
    /// `bin_dir` overrides where the server binaries are looked for; `settings` are extra
    /// `postgresql.conf` lines written when the cluster is created.
    pub async fn start(data_dir: &Path, bin_dir: Option<&Path>, settings: &[&str]) -> Result<Self, EmbeddedError> {
        let data_dir = data_dir.to_owned();
        let bin_dir = bin_dir.map(Path::to_owned);
        let settings: Vec<String> = settings.iter().map(|s| s.to_string()).collect();
        let cluster =
            tokio::task::spawn_blocking(move || Self::start_blocking(&data_dir, bin_dir.as_deref(), &settings))
                .await
                .map_err(|e| EmbeddedError::Io(std::io::Error::other(e)))??;
        // Still under the start-up lock: create the application database once.
        let created = cluster.ensure_database(DATABASE).await;
        cluster.startup_lock.unlock()?;
        created?;
        Ok(cluster)
    }

    fn start_blocking(data_dir: &Path, bin_dir: Option<&Path>, settings: &[String]) -> Result<Self, EmbeddedError> {
        let bin_dir = match bin_dir {
            Some(dir) => Some(dir.to_owned()).filter(|d| has_server_tools(d)),
            None => find_bin_dir(),
        }
        .ok_or(EmbeddedError::NoBinaries)?;
        fs::create_dir_all(data_dir)?;
        let data_dir = fs::canonicalize(data_dir)?;
        let run_as = if is_root() {
            let user = "postgres".to_owned();
            if !command_succeeds(Command::new("id").args(["-u", &user])) {
                return Err(EmbeddedError::NoUnprivilegedUser);
            }
            Some(user)
        } else {
            None
        };
        let cluster_dir = match &run_as {
            Some(user) if !reachable_by(user, &data_dir) => {
                let fallback = root_fallback_dir(&data_dir);
                tracing::warn!(
                    data_dir = %data_dir.display(), cluster = %fallback.display(),
                    "the postgres user cannot reach the data directory; keeping the cluster in the fallback directory"
                );
                fs::create_dir_all(&fallback)?;
                fs::set_permissions(ROOT_FALLBACK_DIR, fs::Permissions::from_mode(0o755))?;
                fallback
            }
            _ => data_dir.clone(),
        };
        let pgdata = cluster_dir.join("pg");
        let socket_dir = cluster_dir.join("run");
        if socket_dir.as_os_str().len() > MAX_SOCKET_DIR_LEN {
            return Err(EmbeddedError::PathTooLong(socket_dir));
        }

        let open = |name: &str| {
            OpenOptions::new().create(true).truncate(false).read(true).write(true).open(data_dir.join(name))
        };
        let startup_lock = open("startup.lock")?;
        startup_lock.lock()?;
        let users_lock = open("cluster.lock")?;
        users_lock.lock_shared()?;

        let cluster = Self { pgdata, socket_dir, bin_dir, run_as, users_lock, startup_lock };
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.init(settings)?;
        }
        if !cluster.is_running() {
            cluster.pg_ctl("start PostgreSQL", &["start", "-w", "-t", "60", "-s", "-l", &cluster.log_file()])?;
            tracing::info!(pgdata = %cluster.pgdata.display(), "embedded PostgreSQL started");
        }
        Ok(cluster)
    }

    fn init(&self, settings: &[String]) -> Result<(), EmbeddedError> {
        if self.pgdata.exists() && fs::read_dir(&self.pgdata)?.next().is_some() {
            return Err(EmbeddedError::ForeignDirectory(self.pgdata.clone()));
        }
        for dir in [&self.pgdata, &self.socket_dir] {
            fs::create_dir_all(dir)?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
            if let Some(user) = &self.run_as {
                run(
                    Command::new("chown").args([&format!("{user}:"), &dir.display().to_string()]),
                    "hand the cluster directory to postgres",
                )?;
            }
        }
        let pgdata = self.pgdata.display().to_string();
        self.run_tool(
            "initdb",
            "initialise the PostgreSQL cluster",
            &["-D", &pgdata, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale"],
        )?;
        let mut conf = format!(
            "\n# Written by Pitwall: a private cluster reachable only through its socket directory.\n\
             listen_addresses = ''\nport = {SOCKET_PORT}\nunix_socket_directories = '{}'\n",
            self.socket_dir.display()
        );
        for line in settings {
            conf.push_str(line);
            conf.push('\n');
        }
        let conf_path = self.pgdata.join("postgresql.conf");
        let mut existing = fs::read_to_string(&conf_path)?;
        existing.push_str(&conf);
        fs::write(&conf_path, existing)?;
        tracing::info!(pgdata = %self.pgdata.display(), "embedded PostgreSQL cluster created");
        Ok(())
    }

    fn log_file(&self) -> String {
        self.socket_dir.join("postgres.log").display().to_string()
    }

    fn is_running(&self) -> bool {
        self.tool_command("pg_ctl").args(["status", "-D"]).arg(&self.pgdata).output().is_ok_and(|o| o.status.success())
    }

    fn tool_command(&self, tool: &str) -> Command {
        let path = self.bin_dir.join(tool);
        match &self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(path);
                cmd
            }
            None => Command::new(path),
        }
    }

    fn run_tool(&self, tool: &str, action: &str, args: &[&str]) -> Result<(), EmbeddedError> {
        run(self.tool_command(tool).args(args), action)
    }

    fn pg_ctl(&self, action: &str, args: &[&str]) -> Result<(), EmbeddedError> {
        let pgdata = self.pgdata.display().to_string();
        let mut all = vec!["-D", &pgdata];
        all.extend_from_slice(args);
        self.run_tool("pg_ctl", action, &all)
    }

    /// Connection options for `database` in this cluster.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(SOCKET_PORT)
            .username(SUPERUSER)
            .database(database)
            .disable_statement_logging()
    }

    /// A URL for `database` over the cluster's Unix socket, for other processes (the CLI, tests).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@localhost:{SOCKET_PORT}/{database}?host={}", self.socket_dir.display())
    }

    /// Creates `database` unless it exists.
    pub async fn ensure_database(&self, database: &str) -> Result<(), EmbeddedError> {
        let pool = PgPoolOptions::new().max_connections(1).connect_with(self.connect_options("postgres")).await?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(database)
            .fetch_one(&pool)
            .await?;
        if !exists {
            sqlx::query(&format!("CREATE DATABASE \"{}\"", database.replace('"', "\"\""))).execute(&pool).await?;
        }
        pool.close().await;
        Ok(())
    }

    /// Gives up this process's share; the last process out stops the cluster.
    pub async fn release(self) -> Result<(), EmbeddedError> {
        tokio::task::spawn_blocking(move || -> Result<(), EmbeddedError> {
            self.startup_lock.lock()?;
            self.users_lock.unlock()?;
            let stopped = match self.users_lock.try_lock() {
                Ok(()) if self.is_running() => {
                    let stopped = self.pg_ctl("stop PostgreSQL", &["stop", "-m", "fast", "-w", "-s"]);
                    if stopped.is_ok() {
                        tracing::info!("embedded PostgreSQL stopped");
                    }
                    stopped
                }
                _ => Ok(()),
            };
            self.startup_lock.unlock()?;
            stopped
        })
        .await
        .map_err(|e| EmbeddedError::Io(std::io::Error::other(e)))?
    }
}

fn run(cmd: &mut Command, action: &str) -> Result<(), EmbeddedError> {
    let output = cmd.output().map_err(|e| EmbeddedError::Command { action: action.into(), detail: e.to_string() })?;
    if output.status.success() {
        return Ok(());
    }
    let detail = format!("{}{}", String::from_utf8_lossy(&output.stderr), String::from_utf8_lossy(&output.stdout));
    Err(EmbeddedError::Command { action: action.into(), detail: detail.trim().to_owned() })
}

fn command_succeeds(cmd: &mut Command) -> bool {
    cmd.output().is_ok_and(|o| o.status.success())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Whether `user` can enter `dir` (every ancestor must be searchable).
fn reachable_by(user: &str, dir: &Path) -> bool {
    command_succeeds(Command::new("runuser").args(["-u", user, "--", "test", "-x"]).arg(dir))
}

fn root_fallback_dir(data_dir: &Path) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    data_dir.hash(&mut hasher);
    Path::new(ROOT_FALLBACK_DIR).join(format!("{:016x}", hasher.finish()))
}

/// The server binaries: `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`, else `PATH`.
fn has_server_tools(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()
}

fn find_bin_dir() -> Option<PathBuf> {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|d| has_server_tools(d)) {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path().join("bin"))))
        .filter(|(_, dir)| has_server_tools(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).find(|d| has_server_tools(d)))
}
