//! `pitwall monitor …` (add, list, check once, pause and resume monitors) and `pitwall alerts …`
//! (channels, the SMTP server, test alerts) from the shell.

use super::check::{self, HttpClients};
use super::model::{
    ChannelDraft, MonitorDraft, MonitorSpec, MonitorView, NewChannel, Outcome, SmtpDraft, SmtpSettings,
};
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
    Add(Box<AddMonitor>),
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

/// `pitwall monitor add`'s arguments.
#[derive(clap::Args)]
pub struct AddMonitor {
    #[arg(long)]
    pub name: String,
    /// The URL (http), host:port (tcp), DSN (postgres) or redis:// URL (redis); none for push.
    #[arg(long, alias = "target", default_value = "")]
    pub url: String,
    /// http, tcp, postgres, redis, push or pitwall.
    #[arg(long, default_value = "http")]
    pub kind: String,
    /// 10s to 24h (default 60s).
    #[arg(long, default_value = "")]
    pub interval: String,
    /// Default 10s.
    #[arg(long, default_value = "")]
    pub timeout: String,
    /// e.g. '[STATUS] == 200'; repeat for more (all must hold).
    #[arg(long = "condition")]
    pub conditions: Vec<String>,
    /// `Name: value`; repeat for more.
    #[arg(long = "header")]
    pub headers: Vec<String>,
    #[arg(long, default_value = "")]
    pub method: String,
    /// Consecutive failures before down (default 3; 1 for push).
    #[arg(long)]
    pub failure_threshold: Option<u32>,
    /// Consecutive successes before up again (default 2).
    #[arg(long)]
    pub success_threshold: Option<u32>,
    /// Do not follow redirects.
    #[arg(long)]
    pub no_follow_redirects: bool,
    /// Accept any TLS certificate (self-signed test servers only).
    #[arg(long)]
    pub insecure: bool,
    /// Alert only this channel (by name) instead of the default routing; repeat for more.
    #[arg(long = "alert-channel")]
    pub alert_channels: Vec<String>,
    /// Remind every so often while still down, e.g. 30m (default: no reminders).
    #[arg(long, default_value = "")]
    pub reminder: String,
    /// Declare an incident once down this long, e.g. 15m (default: never).
    #[arg(long, default_value = "")]
    pub incident_after: String,
    /// The declared incident's severity, 1 (worst) to 4 (default 2).
    #[arg(long)]
    pub incident_severity: Option<i64>,
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
        MonitorCommand::Add(add) => {
            let AddMonitor {
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
                alert_channels,
                reminder,
                incident_after,
                incident_severity,
            } = *add;
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
                alert_channels: (!alert_channels.is_empty()).then_some(alert_channels),
                reminder,
                incident_after,
                incident_severity,
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
            // This process runs no job loops: Pitwall's own monitor checks the database alone here.
            let verdict =
                check::run_here(&spec, &HttpClients::new(), pool, &crate::server::jobs::Supervisor::default()).await;
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

#[derive(Subcommand)]
pub enum AlertsCommand {
    /// Where alerts go.
    #[command(subcommand)]
    Channel(ChannelCommand),
    /// Queue a test alert to a channel (the delivery log shows how it went).
    Test { name: String },
    /// Set the SMTP server email alerts go through; the password is read from standard input.
    Smtp {
        #[arg(long)]
        host: String,
        /// Default 587 (starttls), 465 (tls) or 25 (none).
        #[arg(long, default_value = "")]
        port: String,
        /// starttls, tls or none.
        #[arg(long, default_value = "starttls")]
        security: String,
        #[arg(long, default_value = "")]
        username: String,
        #[arg(long)]
        from: String,
        /// Read the password from standard input (else the stored one is kept).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
pub enum ChannelCommand {
    /// Add a channel: email (--to), slack or webhook (--url; webhooks need --secret).
    Add {
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// Email: addresses, comma-separated.
        #[arg(long, conflicts_with = "url")]
        to: Option<String>,
        /// Slack's incoming webhook URL or the webhook's URL.
        #[arg(long)]
        url: Option<String>,
        /// The webhook's signing secret (at least 16 characters).
        #[arg(long, default_value = "")]
        secret: String,
        /// Send degraded alerts too (default: yes for Slack and webhooks, no for email).
        #[arg(long)]
        degraded: Option<bool>,
    },
    /// List the channels and whether their deliveries fail.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a channel.
    Remove { name: String },
}

pub async fn run_alerts(command: AlertsCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
    use super::store::alerts;
    match command {
        AlertsCommand::Channel(ChannelCommand::Add { kind, name, to, url, secret, degraded }) => {
            let draft =
                ChannelDraft { name, kind, target: to.or(url).unwrap_or_default(), secret, on_degraded: degraded };
            let channel = alerts::create_channel(pool, caller, &NewChannel::parse(&draft)?).await?;
            println!("Added channel #{} {:?} ({}).", channel.id, channel.name, channel.kind.label());
        }
        AlertsCommand::Channel(ChannelCommand::List { json }) => {
            let channels = alerts::channels(pool).await?;
            if json {
                return print_json(&channels);
            }
            for c in &channels {
                let health = if c.failing_since.is_some() { format!("FAILING: {}", c.last_error) } else { "ok".into() };
                println!("{:<24} {:<8} {:<40} {health}", c.name, c.kind.as_str(), c.target);
            }
        }
        AlertsCommand::Channel(ChannelCommand::Remove { name }) => {
            let (id, name) = alerts::find_channel(pool, &name).await?;
            alerts::delete_channel(pool, caller, id).await?;
            println!("Removed channel {name:?}.");
        }
        AlertsCommand::Test { name } => {
            let (id, name) = alerts::find_channel(pool, &name).await?;
            alerts::enqueue_test(pool, caller, id, &super::alerts::test_message(&name, chrono::Utc::now())).await?;
            println!("Queued a test alert to {name:?}; a running Pitwall sends it within seconds.");
        }
        AlertsCommand::Smtp { host, port, security, username, from, password_stdin } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map_err(|e| Failure::Infrastructure(e.to_string()))?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                String::new()
            };
            let draft = SmtpDraft { host, port, security, username, password, from_address: from };
            let saved = alerts::save_smtp(pool, caller, &SmtpSettings::parse(&draft)?).await?;
            println!(
                "Email alerts go through {}:{} ({}) from {}.",
                saved.host,
                saved.port,
                saved.security.as_str(),
                saved.from_address
            );
        }
    }
    Ok(())
}
