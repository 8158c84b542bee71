//! `pitwall <command>`: the server and the operator's commands, on the same database the server
//! uses (embedded or `DATABASE_URL`), whether or not the server is running.
//!
//! Exit codes: 0 done, 1 the input was refused (the message says why), 2 infrastructure error.

use super::config::Config;
use super::db::{self, Database};
use super::startup::{self, Application};
use super::telemetry;
use crate::audit::model::Caller;
use crate::auth::model::{Email, NewPassword, NewToken, Role};
use crate::auth::{password, store, tokens};
use crate::error::AppError;
use crate::flags::model::EnvironmentName;
use crate::flags::store as flags_store;
use crate::incidents::model::{IncidentDraft, ListQuery, NewIncident};
use crate::incidents::store as incidents_store;
use crate::maintenance::gate::{Gate, Upstream};
use crate::maintenance::live::LiveState;
use crate::maintenance::model::{
    parse_network, parse_start, AllowedNetwork, NewWindow, PublicState, Start, WindowView,
};
use crate::maintenance::{scheduler, store as maintenance_store};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use sqlx::PgPool;
use std::io::{BufRead, IsTerminal};
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
    User(UserCommand),
    /// Manage API tokens for machines.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Put the site into maintenance, end it, and manage who gets through the gate.
    #[command(subcommand)]
    Maintenance(MaintenanceCommand),
    /// Declare, list and export incidents.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// Flag environments (development, production, …).
    #[command(subcommand)]
    Env(EnvCommand),
    /// Import, export and list feature flags.
    #[command(subcommand)]
    Flags(FlagsCommand),
    /// Run the gate: a reverse proxy in front of the site that serves the maintenance page.
    Gate {
        /// Where visitors connect, e.g. 0.0.0.0:8080.
        #[arg(long)]
        listen: std::net::SocketAddr,
        /// The site behind the gate, e.g. http://127.0.0.1:3000.
        #[arg(long)]
        upstream: String,
    },
}

#[derive(Subcommand)]
enum MaintenanceCommand {
    /// Start maintenance now, or schedule it.
    Enable {
        /// For the team and the visitors (default: "Scheduled maintenance").
        #[arg(long)]
        reason: Option<String>,
        /// What visitors read (default: "We are updating to improve your experience.").
        #[arg(long)]
        message: Option<String>,
        /// Expected length: 90s, 15m, 2h. Without it, maintenance lasts until disabled.
        #[arg(long)]
        duration: Option<String>,
        /// Start after this delay (30m; a bare number is minutes) instead of now.
        #[arg(long, conflicts_with = "at")]
        schedule: Option<String>,
        /// Start at this time, e.g. 2026-12-01T02:00:00+01:00.
        #[arg(long)]
        at: Option<String>,
    },
    /// End the maintenance in progress.
    Disable,
    /// Show whether maintenance is on, and the next window.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Print the bypass key (the ready-made link goes to standard error).
    BypassKey {
        /// Replace the key first: every bypass link and cookie issued so far stops working.
        #[arg(long)]
        rotate: bool,
    },
    /// Addresses that always get through the gate.
    #[command(subcommand)]
    Allow(AllowCommand),
}

#[derive(Subcommand)]
enum IncidentCommand {
    /// Declare an incident; prints its id.
    Declare {
        /// 1 (service down for everyone) to 4 (low).
        #[arg(long)]
        sev: i64,
        #[arg(long)]
        title: String,
        /// none, minor, major or critical (default: from the severity).
        #[arg(long)]
        impact: Option<String>,
        /// An affected component; repeat for several.
        #[arg(long = "component")]
        components: Vec<String>,
        /// When it really started, if earlier (RFC 3339).
        #[arg(long)]
        started_at: Option<String>,
    },
    /// List incidents, most urgent first.
    List {
        /// Only those not resolved.
        #[arg(long)]
        open: bool,
        #[arg(long)]
        json: bool,
    },
    /// Print an incident, its timeline and post-mortem as Markdown.
    Export { id: i64 },
}

#[derive(Subcommand)]
enum EnvCommand {
    /// Add an environment (every flag starts off in it).
    Add { name: String },
    /// List environments.
    List,
}

#[derive(Subcommand)]
enum FlagsCommand {
    /// Import an Unleash client-features file (its export or `/api/client/features`) into an environment.
    Import {
        #[arg(long)]
        env: String,
        file: std::path::PathBuf,
        /// Only say what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print an environment's flags in Unleash's client-features format.
    Export {
        #[arg(long)]
        env: String,
    },
    /// List flags with their state in every environment.
    List,
}

#[derive(Subcommand)]
enum AllowCommand {
    /// Allow an address or network (203.0.113.7, 198.51.100.0/24, 2001:db8::/32).
    Add {
        network: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Remove an address or network from the allowlist.
    Remove { network: String },
    /// List the allowlist.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user.
    Add {
        #[arg(long)]
        email: String,
        /// owner, pm, support or viewer.
        #[arg(long)]
        role: String,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (ends their sessions).
    SetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (alone, on standard output). It is shown only this once.
    Create {
        #[arg(long)]
        name: String,
        /// A scope such as flags:read or incidents:write; repeat for several.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The environment a flags:read token is bound to.
        #[arg(long)]
        env: Option<String>,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by id.
    Revoke { id: i64 },
}

/// Why a command failed, mapped to its exit code.
enum Failure {
    Refused(String),
    Infrastructure(String),
}

impl From<AppError> for Failure {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Internal | AppError::Unavailable { .. } | AppError::Transport { .. } => {
                Failure::Infrastructure(err.to_string())
            }
            AppError::Validation { field, message } => {
                Failure::Refused(format!("--{}: {message}", field.replace('_', "-")))
            }
            other => Failure::Refused(other.to_string()),
        }
    }
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
    let command = match command {
        Command::Serve => return serve(config).await,
        Command::Gate { listen, upstream } => return gate(config, listen, &upstream).await,
        Command::Migrate => Operation::Migrate,
        Command::Maintenance(maintenance) => Operation::Maintenance(maintenance),
        Command::Incident(incident) => Operation::Incident(incident),
        Command::User(user) => Operation::User(user),
        Command::Token(token) => Operation::Token(token),
        Command::Env(env) => Operation::Env(env),
        Command::Flags(flags) => Operation::Flags(flags),
    };
    let database = Database::open(&config).await.map_err(|e| Failure::Infrastructure(e.to_string()))?;
    let result = match db::migrate(&database.pool).await {
        Ok(()) => run_on(command, &database.pool).await,
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
    app.run_until(startup::shutdown_signal()).await.map_err(|e| Failure::Infrastructure(e.to_string()))
}

/// The gate runs its own scheduler and watcher, so it works without a console process.
async fn gate(config: Config, listen: std::net::SocketAddr, upstream: &str) -> Result<(), Failure> {
    let upstream = Upstream::parse(upstream).map_err(|m| Failure::Refused(format!("--upstream: {m}")))?;
    let database = Database::open(&config).await.map_err(|e| Failure::Infrastructure(e.to_string()))?;
    db::migrate(&database.pool).await.map_err(|e| Failure::Infrastructure(e.to_string()))?;
    scheduler::spawn(database.pool.clone());
    let live = LiveState::start(database.pool.clone()).await;
    let gate = Gate::bind(listen, upstream, config.trusted_proxies.clone(), live)
        .await
        .map_err(|e| Failure::Infrastructure(format!("cannot listen on {listen}: {e}")))?;
    let addr = gate.local_addr();
    tracing::info!("the gate is listening on http://{addr}");
    println!("Pitwall gate is running at http://{addr}");
    let served = gate.run_until(startup::shutdown_signal()).await;
    database.close().await;
    served.map_err(|e| Failure::Infrastructure(e.to_string()))
}

/// The commands that work on the database (everything but `serve` and `gate`).
enum Operation {
    Migrate,
    User(UserCommand),
    Token(TokenCommand),
    Maintenance(MaintenanceCommand),
    Incident(IncidentCommand),
    Env(EnvCommand),
    Flags(FlagsCommand),
}

async fn run_on(command: Operation, pool: &PgPool) -> Result<(), Failure> {
    let caller = Caller::cli();
    match command {
        Operation::Migrate => {
            println!("Database is up to date.");
            Ok(())
        }
        Operation::Env(command) => env_command(pool, &caller, command).await,
        Operation::Flags(command) => flags_command(pool, &caller, command).await,
        Operation::User(UserCommand::Add { email, role, password_stdin }) => {
            let email = Email::parse("email", &email)?;
            let role = Role::parse("role", &role)?;
            let password = NewPassword::parse("password", &read_password(password_stdin)?)?;
            let user = store::create_user(pool, &caller, &email, role, &password::hash(&password).await?).await?;
            println!("Added {} as {} (id {}).", user.email, user.role, user.id);
            Ok(())
        }
        Operation::User(UserCommand::SetPassword { email, password_stdin }) => {
            let email = Email::parse("email", &email)?;
            let password = NewPassword::parse("password", &read_password(password_stdin)?)?;
            store::set_password(pool, &caller, &email, &password::hash(&password).await?).await?;
            println!("Password of {email} set; their sessions have ended.");
            Ok(())
        }
        Operation::Token(TokenCommand::Create { name, scopes, env }) => {
            let new = NewToken::parse(&name, &scopes, env.as_deref().unwrap_or(""))?;
            let created = tokens::issue(pool, &caller, &new).await?;
            eprintln!(
                "Created token {} (id {}). Store it now: it is not shown again.",
                created.token.name, created.token.id
            );
            println!("{}", created.secret);
            Ok(())
        }
        Operation::Token(TokenCommand::List { json }) => {
            let list = store::list_tokens(pool).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).map_err(|e| Failure::Infrastructure(e.to_string()))?
                );
                return Ok(());
            }
            println!(
                "{:<5} {:<24} {:<10} {:<40} {:<12} {:<20} STATE",
                "ID", "NAME", "PREFIX", "SCOPES", "ENV", "LAST USED"
            );
            for t in list {
                let last_used = t
                    .last_used_at
                    .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "never".into());
                let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                println!(
                    "{:<5} {:<24} {:<10} {:<40} {:<12} {:<20} {state}",
                    t.id,
                    t.name,
                    t.prefix,
                    t.scopes.join(","),
                    t.environment.unwrap_or_else(|| "-".into()),
                    last_used
                );
            }
            Ok(())
        }
        Operation::Token(TokenCommand::Revoke { id }) => {
            let token = store::revoke_token(pool, &caller, id).await?;
            println!("Revoked token {} ({}).", token.id, token.name);
            Ok(())
        }
        Operation::Maintenance(command) => maintenance(command, pool, &caller).await,
        Operation::Incident(command) => incident(command, pool, &caller).await,
    }
}

async fn incident(command: IncidentCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
    let now = Utc::now();
    match command {
        IncidentCommand::Declare { sev, title, impact, components, started_at } => {
            let draft = IncidentDraft {
                title,
                severity: Some(sev),
                impact,
                components,
                started_at,
                ..IncidentDraft::default()
            };
            let new = NewIncident::parse(&draft, now).map_err(|err| match err {
                AppError::Validation { field, message } if field == "severity" => {
                    Failure::Refused(format!("--sev: {message}"))
                }
                other => other.into(),
            })?;
            let incident = incidents_store::declare(pool, caller, &new, now).await?;
            eprintln!(
                "Declared {} #{}: respond by {}, resolve by {}.",
                incident.severity.label(),
                incident.id,
                utc(incident.sla.response.due_at),
                utc(incident.sla.resolution.due_at)
            );
            println!("{}", incident.id);
            Ok(())
        }
        IncidentCommand::List { open, json } => {
            let query = if open { ListQuery::open() } else { ListQuery::default() };
            let list = incidents_store::list(pool, &query, None, now).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).map_err(|e| Failure::Infrastructure(e.to_string()))?
                );
                return Ok(());
            }
            println!("{:<6} {:<5} {:<14} {:<22} {:<22} TITLE", "ID", "SEV", "STATUS", "RESPONSE", "RESOLUTION");
            for i in list {
                let clock = |c: &crate::incidents::model::Clock| format!("{} {:+}s", c.state.as_str(), c.remaining_s);
                println!(
                    "{:<6} {:<5} {:<14} {:<22} {:<22} {}",
                    i.id,
                    i.severity.label(),
                    i.status.as_str(),
                    clock(&i.sla.response),
                    clock(&i.sla.resolution),
                    i.title
                );
            }
            Ok(())
        }
        IncidentCommand::Export { id } => {
            print!("{}", incidents_store::export(pool, id, now).await?);
            Ok(())
        }
    }
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn describe(window: &WindowView) -> String {
    let end = window.planned_end.map(utc).unwrap_or_else(|| "until disabled".into());
    format!("#{} \u{201c}{}\u{201d}, {} \u{2192} {end}", window.id, window.reason, utc(window.starts_at()))
}

async fn maintenance(command: MaintenanceCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
    let now = Utc::now();
    match command {
        MaintenanceCommand::Enable { reason, message, duration, schedule, at } => {
            let start = match (schedule, at) {
                (Some(delay), _) => parse_start("schedule", &delay, now)?,
                (None, Some(at)) => parse_start("at", &at, now)?,
                (None, None) => Start::Now,
            };
            let new = NewWindow::parse(
                reason.as_deref().unwrap_or(""),
                message.as_deref().unwrap_or(""),
                start,
                duration.as_deref().unwrap_or(""),
                now,
            )?;
            match start {
                Start::Now => {
                    let window = maintenance_store::start_now(pool, caller, &new).await?;
                    println!("Maintenance is on: {}.", describe(&window));
                }
                Start::At(_) => {
                    let window = maintenance_store::schedule(pool, caller, &new).await?;
                    println!("Maintenance scheduled: {}.", describe(&window));
                }
            }
            Ok(())
        }
        MaintenanceCommand::Disable => {
            match maintenance_store::end_current(pool, caller).await? {
                Some(window) => println!("Maintenance is off (ended {}).", describe(&window)),
                None => println!("Maintenance was not on; nothing to do."),
            }
            Ok(())
        }
        MaintenanceCommand::Status { json } => {
            let state = maintenance_store::now_and_next(pool).await?;
            if json {
                let text = serde_json::to_string_pretty(&PublicState::of(&state))
                    .map_err(|e| Failure::Infrastructure(e.to_string()))?;
                println!("{text}");
                return Ok(());
            }
            match &state.current {
                Some(window) => {
                    println!("Maintenance is ON: {}.\n  Visitors read: {}", describe(window), window.message)
                }
                None => println!("Maintenance is off."),
            }
            match &state.next {
                Some(window) => println!("Next window: {}.", describe(window)),
                None => println!("No window scheduled."),
            }
            Ok(())
        }
        MaintenanceCommand::BypassKey { rotate } => {
            if rotate {
                maintenance_store::rotate_bypass_key(pool, caller, &tokens::random_hex()).await?;
                eprintln!("Rotated: earlier bypass links and cookies no longer work.");
            }
            let access = maintenance_store::access(pool).await?;
            eprintln!("Bypass link: {}", access.bypass_link());
            println!("{}", access.bypass_key);
            Ok(())
        }
        MaintenanceCommand::Allow(AllowCommand::Add { network, label }) => {
            let entry = AllowedNetwork::parse(&network, &label)?;
            let added = maintenance_store::allow(pool, caller, &entry).await?;
            println!("Allowed {}.", added.network);
            Ok(())
        }
        MaintenanceCommand::Allow(AllowCommand::Remove { network }) => {
            let network = parse_network("network", &network)?;
            maintenance_store::disallow(pool, caller, network).await?;
            println!("Removed {network} from the allowlist.");
            Ok(())
        }
        MaintenanceCommand::Allow(AllowCommand::List) => {
            for entry in maintenance_store::access(pool).await?.allowlist {
                println!("{:<43} {}", entry.network, entry.label);
            }
            Ok(())
        }
    }
}

/// The password from standard input (`--password-stdin`) or an interactive prompt, asked twice.
fn read_password(from_stdin: bool) -> Result<String, Failure> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Infrastructure(format!("reading standard input: {e}")))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Refused(
            "no terminal to ask for the password on: pass --password-stdin and pipe it in".into(),
        ));
    }
    let first = rpassword::prompt_password("Password: ").map_err(|e| Failure::Infrastructure(e.to_string()))?;
    let second = rpassword::prompt_password("Repeat it: ").map_err(|e| Failure::Infrastructure(e.to_string()))?;
    if first != second {
        return Err(Failure::Refused("the two passwords differ".into()));
    }
    Ok(first)
}

async fn env_command(pool: &PgPool, caller: &Caller, command: EnvCommand) -> Result<(), Failure> {
    match command {
        EnvCommand::Add { name } => {
            let name = EnvironmentName::parse("name", &name)?;
            flags_store::add_environment(pool, caller, &name).await?;
            println!("Added environment {}; every flag is off in it.", name.as_str());
        }
        EnvCommand::List => {
            for env in flags_store::environments(pool).await? {
                println!("{env}");
            }
        }
    }
    Ok(())
}

async fn flags_command(pool: &PgPool, caller: &Caller, command: FlagsCommand) -> Result<(), Failure> {
    match command {
        FlagsCommand::Import { env, file, dry_run } => {
            let env = EnvironmentName::parse("env", &env)?;
            let raw = std::fs::read_to_string(&file)
                .map_err(|e| Failure::Refused(format!("cannot read {}: {e}", file.display())))?;
            let features = flags_store::parse_client_features(&raw)?;
            let plan = flags_store::import(pool, caller, &env, features, !dry_run).await?;
            let verb = if dry_run { "would" } else { "did" };
            for key in &plan.created {
                println!("+ {key} (new)");
            }
            for (key, summary) in &plan.changed {
                println!("~ {key}: {summary}");
            }
            eprintln!(
                "{} {verb} create {}, change {}, leave {} unchanged, add {} segments.",
                env.as_str(),
                plan.created.len(),
                plan.changed.len(),
                plan.unchanged,
                plan.new_segments
            );
        }
        FlagsCommand::Export { env } => {
            let env = EnvironmentName::parse("env", &env)?;
            let features = flags_store::export(pool, &env).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&features).map_err(|e| Failure::Infrastructure(e.to_string()))?
            );
        }
        FlagsCommand::List => {
            let envs = flags_store::environments(pool).await?;
            for flag in flags_store::list_flags(pool, Utc::now()).await?.iter().filter(|f| !f.archived) {
                let states: Vec<String> = envs
                    .iter()
                    .map(|env| format!("{env}={}", if flag.definition.settings(env).enabled { "on" } else { "off" }))
                    .collect();
                let stale = if flag.stale { " (potentially stale)" } else { "" };
                println!("{}\t{}\t{}{stale}", flag.key, flag.definition.kind.as_str(), states.join(" "));
            }
        }
    }
    Ok(())
}
