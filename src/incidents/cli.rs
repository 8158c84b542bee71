//! `pitwall incident …`: declare, list and export incidents from the shell.

use super::model::{Clock, IncidentDraft, ListQuery, NewIncident};
use super::store;
use crate::error::AppError;
use crate::server::audit_trail::Caller;
use crate::server::cli::{print_json, utc, Failure};
use chrono::Utc;
use clap::Subcommand;
use sqlx::PgPool;

#[derive(Subcommand)]
pub enum IncidentCommand {
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

pub async fn run(command: IncidentCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
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
            let incident = store::declare(pool, caller, &new, now).await?;
            eprintln!(
                "Declared {} #{}: respond by {}, resolve by {}.",
                incident.severity.label(),
                incident.id,
                utc(incident.sla.response.due_at),
                utc(incident.sla.resolution.due_at)
            );
            println!("{}", incident.id);
        }
        IncidentCommand::List { open, json } => {
            let query = if open { ListQuery::open() } else { ListQuery::default() };
            let list = store::list(pool, &query, None, now).await?;
            if json {
                return print_json(&list);
            }
            println!("{:<6} {:<5} {:<14} {:<22} {:<22} TITLE", "ID", "SEV", "STATUS", "RESPONSE", "RESOLUTION");
            let clock = |c: &Clock| format!("{} {:+}s", c.state.as_str(), c.remaining_s);
            for i in list {
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
        }
        IncidentCommand::Export { id } => {
            print!("{}", store::export(pool, id, now).await?);
        }
    }
    Ok(())
}
