//! `pitwall <command>`: the server and the operator's commands, on the same database the server
//! uses (embedded or `DATABASE_URL`), whether or not the server is running. Each domain owns its
//! commands (`src/<domain>/cli.rs`); this is the top-level parser and one dispatch arm per domain.
//!
//! Exit codes: 0 done, 1 the input was refused (the message says why), 2 infrastructure error.

use super::startup::Application;
use crate::server::audit_trail::Caller;
use crate::server::cli::{shutdown_signal, Failure};
use crate::server::config::Config;
use crate::server::db::{self, Database};
use crate::server::telemetry;
use crate::{auth, flags, incidents, maintenance, monitors, status};
use clap::{Parser, Subcommand};
use sqlx::PgPool;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "pitwall", version, about = "The ops console for small SaaS teams.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the console (the default without a command).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage console users.
    #[command(subcommand)]
    User(auth::cli::UserCommand),
    /// Manage API tokens for machines.
    #[command(subcommand)]
    Token(auth::cli::TokenCommand),
    /// Put the site into maintenance, end it, and manage who gets through the gate.
    #[command(subcommand)]
    Maintenance(maintenance::cli::MaintenanceCommand),
    /// Declare, list and export incidents.
    #[command(subcommand)]
    Incident(incidents::cli::IncidentCommand),
    /// Add, list, check, pause and resume monitors.
    #[command(subcommand)]
    Monitor(monitors::cli::MonitorCommand),
    /// Alert channels (email, Slack, webhooks), the SMTP server, test alerts.
    #[command(subcommand)]
    Alerts(monitors::cli::AlertsCommand),
    /// The public status page: components and overrides.
    #[command(subcommand)]
    Status(status::cli::StatusCommand),
    /// Flag environments (development, production, …).
    #[command(subcommand)]
    Env(flags::cli::EnvCommand),
    /// Import, export and list feature flags.
    #[command(subcommand)]
    Flags(flags::cli::FlagsCommand),
    /// Run the gate: a reverse proxy in front of the site that serves the maintenance page.
    Gate(maintenance::cli::GateArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("pitwall: configuration: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("pitwall: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Refused(message)) => {
            eprintln!("pitwall: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Infrastructure(message)) => {
            eprintln!("pitwall: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), Failure> {
    match command {
        Command::Serve => serve(config).await,
        Command::Gate(args) => maintenance::cli::run_gate(config, args).await,
        Command::Migrate => {
            with_database(&config, async |_, _| {
                println!("Database is up to date.");
                Ok(())
            })
            .await
        }
        Command::User(command) => {
            with_database(&config, async |pool, caller| auth::cli::run_user(command, pool, caller).await).await
        }
        Command::Token(command) => {
            with_database(&config, async |pool, caller| auth::cli::run_token(command, pool, caller).await).await
        }
        Command::Maintenance(command) => {
            with_database(&config, async |pool, caller| maintenance::cli::run(command, pool, caller).await).await
        }
        Command::Incident(command) => {
            with_database(&config, async |pool, caller| incidents::cli::run(command, pool, caller).await).await
        }
        Command::Monitor(command) => {
            with_database(&config, async |pool, caller| monitors::cli::run(command, pool, caller).await).await
        }
        Command::Alerts(command) => {
            with_database(&config, async |pool, caller| monitors::cli::run_alerts(command, pool, caller).await).await
        }
        Command::Status(command) => {
            with_database(&config, async |pool, caller| status::cli::run(command, pool, caller).await).await
        }
        Command::Env(command) => {
            with_database(&config, async |pool, caller| flags::cli::run_env(command, pool, caller).await).await
        }
        Command::Flags(command) => {
            with_database(&config, async |pool, caller| flags::cli::run_flags(command, pool, caller).await).await
        }
    }
}

/// Opens and migrates the database, runs `command` on it as the CLI, and closes it.
async fn with_database(
    config: &Config,
    command: impl AsyncFnOnce(&PgPool, &Caller) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let database = Database::open(config).await.map_err(|e| Failure::Infrastructure(e.to_string()))?;
    let result = match db::migrate(&database.pool).await {
        Ok(()) => command(&database.pool, &Caller::cli()).await,
        Err(err) => Err(Failure::Infrastructure(err.to_string())),
    };
    database.close().await;
    result
}

async fn serve(config: Config) -> Result<(), Failure> {
    let app = Application::build(config).await.map_err(|e| Failure::Infrastructure(e.to_string()))?;
    let addr = app.local_addr();
    tracing::info!("Pitwall is listening on http://{addr}");
    // Also on stdout for people and scripts waiting for the URL.
    println!("Pitwall is running at http://{addr}");
    if let Some(code) = app.setup_code() {
        tracing::info!("no owner yet: set up at http://{addr}/setup with the code {code}");
        println!("Set up the owner at http://{addr}/setup with the code {code}");
    }
    app.run_until(shutdown_signal()).await.map_err(|e| Failure::Infrastructure(e.to_string()))
}
