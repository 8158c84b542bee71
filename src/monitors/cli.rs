//! `pitwall monitor …`: add, list, check once, pause and resume monitors from the shell.

use super::check::{self, HttpClients};
use super::model::{MonitorDraft, MonitorSpec, MonitorView, Outcome};
use super::store;
use crate::auth::tokens;
use crate::error::AppError;
use crate::server::audit_trail::Caller;
use crate::server::cli::{print_json, Failure};
use clap::Subcommand;
use sqlx::PgPool;

#[derive(Subcommand)]
pub enum MonitorCommand {
    /// Add a monitor (a push monitor prints the URL its job posts to).
    Add {
        #[arg(long)]
        name: String,
        /// The URL (http), host:port (tcp), DSN (postgres) or redis:// URL (redis); none for push.
        #[arg(long, alias = "target", default_value = "")]
        url: String,
        /// http, tcp, postgres, redis or push.
        #[arg(long, default_value = "http")]
        kind: String,
        /// 10s to 24h (default 60s).
        #[arg(long, default_value = "")]
        interval: String,
        /// Default 10s.
        #[arg(long, default_value = "")]
        timeout: String,
        /// e.g. '[STATUS] == 200'; repeat for more (all must hold).
        #[arg(long = "condition")]
        conditions: Vec<String>,
        /// `Name: value`; repeat for more.
        #[arg(long = "header")]
        headers: Vec<String>,
        #[arg(long, default_value = "")]
        method: String,
        /// Consecutive failures before down (default 3; 1 for push).
        #[arg(long)]
        failure_threshold: Option<u32>,
        /// Consecutive successes before up again (default 2).
        #[arg(long)]
        success_threshold: Option<u32>,
        /// Do not follow redirects.
        #[arg(long)]
        no_follow_redirects: bool,
        /// Accept any TLS certificate (self-signed test servers only).
        #[arg(long)]
        insecure: bool,
    },
    /// List the monitors and their state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Check a monitor once now and print each condition's outcome (exit 1 when it is not up).
    Check { name: String },
    /// Stop checking a monitor.
    Pause { name: String },
    /// Check a paused monitor again.
    Resume { name: String },
}

fn as_cli_field(err: AppError) -> AppError {
    match err {
        AppError::Validation { field, message } if field == "target" => {
            AppError::Validation { field: "url".into(), message }
        }
        other => other,
    }
}

fn line(m: &MonitorView) -> String {
    let uptime = m.uptime_24h.map(|u| format!("{u:.2} %")).unwrap_or_else(|| "–".into());
    format!("{:<24} {:<9} {:<9} {:>9} {}", m.name, m.kind.as_str(), m.state.as_str(), uptime, m.last_message)
}

pub async fn run(command: MonitorCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
    match command {
        MonitorCommand::Add {
            name,
            url,
            kind,
            interval,
            timeout,
            conditions,
            headers,
            method,
            failure_threshold,
            success_threshold,
            no_follow_redirects,
            insecure,
        } => {
            let draft = MonitorDraft {
                name,
                kind,
                target: url,
                method,
                headers,
                interval,
                timeout,
                conditions,
                follow_redirects: Some(!no_follow_redirects),
                verify_tls: Some(!insecure),
                failure_threshold,
                success_threshold,
                ..MonitorDraft::default()
            };
            let spec = MonitorSpec::parse(&draft).map_err(as_cli_field)?;
            let push_key = (spec.kind == super::model::MonitorKind::Push).then(tokens::random_hex);
            let added = store::create(pool, caller, &spec, push_key.as_deref()).await?;
            println!("Added monitor #{} {:?}, checked every {} s.", added.id, added.name, added.interval_s);
            if let Some(path) = &added.push_path {
                println!("Push URL (POST with a monitors:push token): {path}?status=up&msg=OK");
            }
        }
        MonitorCommand::List { json } => {
            let monitors = store::list(pool).await?;
            if json {
                return print_json(&monitors);
            }
            println!("{:<24} {:<9} {:<9} {:>9} last result", "name", "kind", "state", "24 h");
            for m in &monitors {
                println!("{}", line(m));
            }
        }
        MonitorCommand::Check { name } => {
            let id = store::find(pool, &name).await?;
            let spec = store::spec(pool, id).await?;
            if spec.kind == super::model::MonitorKind::Push {
                return Err(Failure::Refused(format!("{name} is a push monitor: its job reports, nothing to check.")));
            }
            let verdict = check::run(&spec, &HttpClients::new()).await;
            for outcome in &verdict.conditions {
                println!("{} {}", if outcome.passed { "pass" } else { "FAIL" }, outcome.detail);
            }
            for service in &verdict.services {
                println!("service {} {}", service.name, service.status);
            }
            println!("{}: {}", verdict.outcome, verdict.message);
            if verdict.outcome != Outcome::Up {
                return Err(Failure::Refused(format!("{name} is {}.", verdict.outcome)));
            }
        }
        MonitorCommand::Pause { name } => {
            let m = store::set_paused(pool, caller, store::find(pool, &name).await?, true).await?;
            println!("Paused {}.", m.name);
        }
        MonitorCommand::Resume { name } => {
            let m = store::set_paused(pool, caller, store::find(pool, &name).await?, false).await?;
            println!("Resumed {}; it is checked now.", m.name);
        }
    }
    Ok(())
}
