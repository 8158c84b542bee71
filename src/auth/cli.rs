//! `pitwall user …` and `pitwall token …`: console users and machine tokens from the shell.

use super::model::{Email, NewPassword, NewToken, Role};
use super::{password, store, tokens};
use crate::server::audit_trail::Caller;
use crate::server::cli::{print_json, Failure};
use clap::Subcommand;
use sqlx::PgPool;
use std::io::{BufRead, IsTerminal};

#[derive(Subcommand)]
pub enum UserCommand {
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
pub enum TokenCommand {
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

pub async fn run_user(command: UserCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
    match command {
        UserCommand::Add { email, role, password_stdin } => {
            let email = Email::parse("email", &email)?;
            let role = Role::parse("role", &role)?;
            let password = NewPassword::parse("password", &read_password(password_stdin)?)?;
            let user = store::create_user(
                pool,
                caller,
                &email,
                role,
                &password::hash(password::Hashing::sized_to_cores().slot()?, &password).await?,
            )
            .await?;
            println!("Added {} as {} (id {}).", user.email, user.role, user.id);
        }
        UserCommand::SetPassword { email, password_stdin } => {
            let email = Email::parse("email", &email)?;
            let password = NewPassword::parse("password", &read_password(password_stdin)?)?;
            store::set_password(
                pool,
                caller,
                &email,
                &password::hash(password::Hashing::sized_to_cores().slot()?, &password).await?,
            )
            .await?;
            println!("Password of {email} set; their sessions have ended.");
        }
    }
    Ok(())
}

pub async fn run_token(command: TokenCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
    match command {
        TokenCommand::Create { name, scopes, env } => {
            let new = NewToken::parse(&name, &scopes, env.as_deref().unwrap_or(""))?;
            let created = tokens::issue(pool, caller, &new).await?;
            eprintln!(
                "Created token {} (id {}). Store it now: it is not shown again.",
                created.token.name, created.token.id
            );
            println!("{}", created.secret);
        }
        TokenCommand::List { json } => {
            let list = store::list_tokens(pool).await?;
            if json {
                return print_json(&list);
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
        }
        TokenCommand::Revoke { id } => {
            let token = store::revoke_token(pool, caller, id).await?;
            println!("Revoked token {} ({}).", token.id, token.name);
        }
    }
    Ok(())
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
