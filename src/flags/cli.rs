//! `pitwall env …` and `pitwall flags …`: environments, and flags imported, exported and listed
//! in Unleash's client-features format.

use super::model::EnvironmentName;
use super::store;
use crate::server::audit_trail::Caller;
use crate::server::cli::{print_json, Failure};
use chrono::Utc;
use clap::Subcommand;
use sqlx::PgPool;

#[derive(Subcommand)]
pub enum EnvCommand {
    /// Add an environment (every flag starts off in it).
    Add { name: String },
    /// List environments.
    List,
}

#[derive(Subcommand)]
pub enum FlagsCommand {
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

pub async fn run_env(command: EnvCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
    match command {
        EnvCommand::Add { name } => {
            let name = EnvironmentName::parse("name", &name)?;
            store::add_environment(pool, caller, &name).await?;
            println!("Added environment {}; every flag is off in it.", name.as_str());
        }
        EnvCommand::List => {
            for env in store::environments(pool).await? {
                println!("{env}");
            }
        }
    }
    Ok(())
}

pub async fn run_flags(command: FlagsCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
    match command {
        FlagsCommand::Import { env, file, dry_run } => {
            let env = EnvironmentName::parse("env", &env)?;
            let raw = std::fs::read_to_string(&file)
                .map_err(|e| Failure::Refused(format!("cannot read {}: {e}", file.display())))?;
            let features = super::unleash::parse_client_features(&raw)?;
            let plan = store::import(pool, caller, &env, features, !dry_run).await?;
            let verb = if dry_run { "would" } else { "did" };
            for key in &plan.created {
                println!("+ {key} (new)");
            }
            for (key, summary) in &plan.changed {
                println!("~ {key}: {summary}");
            }
            for oddity in &plan.oddities {
                eprintln!("note: {oddity}");
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
            print_json(&store::export(pool, &env).await?)?;
        }
        FlagsCommand::List => {
            let envs = store::environments(pool).await?;
            for flag in store::list_flags(pool, Utc::now()).await?.iter().filter(|f| !f.archived) {
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
