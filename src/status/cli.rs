//! `pitwall status …`: the status page's components and overrides from the shell.

use super::model::{ComponentDraft, ComponentSpec, OverrideSpec};
use super::store;
use crate::server::audit_trail::Caller;
use crate::server::cli::{print_json, utc, Failure};
use chrono::Utc;
use clap::Subcommand;
use sqlx::PgPool;

#[derive(Subcommand)]
pub enum StatusCommand {
    /// Components of the public status page.
    #[command(subcommand)]
    Component(ComponentCommand),
    /// Set a component's status by hand (or `clear` to go back to automatic).
    Override {
        /// The component's name or id.
        component: String,
        /// operational, degraded_performance, partial_outage, major_outage, under_maintenance, or clear.
        status: String,
        /// How long (`2h`); without it, until cleared.
        #[arg(long = "for")]
        for_: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum ComponentCommand {
    /// Add a component; prints its id.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// The group it belongs to (made when it does not exist yet).
        #[arg(long)]
        group: Option<String>,
        /// A monitor that drives it; repeat for several.
        #[arg(long = "monitor")]
        monitors: Vec<String>,
        /// What a down monitor makes of it (default major_outage).
        #[arg(long)]
        down_status: Option<String>,
        /// What a degraded monitor makes of it (default degraded_performance).
        #[arg(long)]
        degraded_status: Option<String>,
    },
    /// List components in page order with their status now.
    List {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: StatusCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
    let now = Utc::now();
    match command {
        StatusCommand::Component(ComponentCommand::Add {
            name,
            description,
            group,
            monitors,
            down_status,
            degraded_status,
        }) => {
            let draft = ComponentDraft {
                name,
                description,
                group: group.unwrap_or_default(),
                monitors,
                down_status: down_status.unwrap_or_default(),
                degraded_status: degraded_status.unwrap_or_default(),
                ..ComponentDraft::default()
            };
            let view = store::create(pool, caller, &ComponentSpec::parse(&draft)?).await?;
            println!("{}", view.id);
            Ok(())
        }
        StatusCommand::Component(ComponentCommand::List { json }) => {
            let components = store::components(pool, now).await?;
            if json {
                return print_json(&components);
            }
            for c in components {
                let indent = if c.group_id.is_some() { "  " } else { "" };
                let monitors = if c.monitors.is_empty() {
                    String::new()
                } else {
                    format!("  monitors: {}", c.monitors.join(", "))
                };
                let manual = c
                    .override_
                    .map(|o| format!("  override until {}", o.until.map(utc).unwrap_or_else(|| "cleared".into())))
                    .unwrap_or_default();
                println!("{:>4}  {indent}{}  {}{monitors}{manual}", c.id, c.name, c.status.as_str());
            }
            Ok(())
        }
        StatusCommand::Override { component, status, for_ } => {
            let id = store::find(pool, &component).await?;
            let spec = OverrideSpec::parse(&status, for_.as_deref().unwrap_or_default(), now)?;
            let view = store::set_override(pool, caller, id, spec).await?;
            println!("{}: {}", view.name, view.status.as_str());
            Ok(())
        }
    }
}
