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
        Command::Migrate => Operation::Migrate,
        Command::User(user) => Operation::User(user),
        Command::Token(token) => Operation::Token(token),
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

/// The commands that work on the database (everything but `serve`).
enum Operation {
    Migrate,
    User(UserCommand),
    Token(TokenCommand),
}

async fn run_on(command: Operation, pool: &PgPool) -> Result<(), Failure> {
    let caller = Caller::cli();
    match command {
        Operation::Migrate => {
            println!("Database is up to date.");
            Ok(())
        }
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
