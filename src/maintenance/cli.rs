//! `pitwall maintenance …` and `pitwall gate`: maintenance on and off, the gate's allowlist and
//! bypass key, and the gate itself, from the shell.

use super::gate::{Gate, GateLimits, Upstream};
use super::live::LiveState;
use super::model::{parse_network, parse_start, AllowedNetwork, NewWindow, PublicState, Start, WindowView};
use super::store;
use crate::auth::tokens;
use crate::server::audit_trail::Caller;
use crate::server::cli::{print_json, shutdown_signal, utc, Failure};
use crate::server::config::Config;
use crate::server::db::Database;
use crate::server::jobs::Supervisor;
use chrono::Utc;
use clap::{Args, Subcommand};
use sqlx::PgPool;

#[derive(Subcommand)]
pub enum MaintenanceCommand {
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
pub enum AllowCommand {
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

#[derive(Args)]
pub struct GateArgs {
    /// Where visitors connect, e.g. 0.0.0.0:8080.
    #[arg(long)]
    listen: std::net::SocketAddr,
    /// The site behind the gate, e.g. http://127.0.0.1:3000.
    #[arg(long)]
    upstream: String,
    /// Where the gate keeps its last known state, to start on while Postgres is down.
    #[arg(long, default_value = ".pitwall/gate-state.json")]
    state_file: std::path::PathBuf,
    /// At most this many connections to the site at once (visitors' connections are capped by
    /// PITWALL_MAX_CONNECTIONS).
    #[arg(long, default_value_t = super::gate::DEFAULT_SITE_CONNECTIONS, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_site_connections: u32,
}

/// `pitwall gate`: runs its own scheduler and watcher, so it works without a console process.
/// It never migrates the schema (`pitwall migrate` or `pitwall serve` do), and it starts while
/// Postgres is down, on the state it last saw.
pub async fn run_gate(config: Config, args: GateArgs) -> Result<(), Failure> {
    let GateArgs { listen, upstream, state_file, max_site_connections } = args;
    let upstream = Upstream::parse(&upstream).map_err(|m| Failure::Refused(format!("--upstream: {m}")))?;
    let database = Database::open_lazy(&config).await.map_err(|e| Failure::Infrastructure(e.to_string()))?;
    let supervisor = Supervisor::default();
    super::spawn_jobs(&supervisor, &database.pool);
    let live =
        LiveState::start_with_cache(database.pool.clone(), config.live_reread, &supervisor, Some(state_file)).await;
    let limits = GateLimits { visitors: config.connection_limits, upstream_connections: max_site_connections };
    let gate = Gate::bind(listen, upstream, config.trusted_proxies.clone(), live, limits)
        .await
        .map_err(|e| Failure::Infrastructure(format!("cannot listen on {listen}: {e}")))?;
    let addr = gate.local_addr();
    tracing::info!("the gate is listening on http://{addr}");
    println!("Pitwall gate is running at http://{addr}");
    let served = gate.run_until(shutdown_signal()).await;
    database.close().await;
    served.map_err(|e| Failure::Infrastructure(e.to_string()))
}

fn describe(window: &WindowView) -> String {
    let end = window.planned_end.map(utc).unwrap_or_else(|| "until disabled".into());
    format!("#{} \u{201c}{}\u{201d}, {} \u{2192} {end}", window.id, window.reason, utc(window.starts_at()))
}

pub async fn run(command: MaintenanceCommand, pool: &PgPool, caller: &Caller) -> Result<(), Failure> {
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
                    let window = store::start_now(pool, caller, &new).await?;
                    println!("Maintenance is on: {}.", describe(&window));
                }
                Start::At(_) => {
                    let window = store::schedule(pool, caller, &new).await?;
                    println!("Maintenance scheduled: {}.", describe(&window));
                }
            }
        }
        MaintenanceCommand::Disable => match store::end_current(pool, caller).await? {
            Some(window) => println!("Maintenance is off (ended {}).", describe(&window)),
            None => println!("Maintenance was not on; nothing to do."),
        },
        MaintenanceCommand::Status { json } => {
            let state = store::now_and_next(pool).await?;
            if json {
                return print_json(&PublicState::of(&state));
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
        }
        MaintenanceCommand::BypassKey { rotate } => {
            if rotate {
                store::rotate_bypass_key(pool, caller, &tokens::random_hex()).await?;
                eprintln!("Rotated: earlier bypass links and cookies no longer work.");
            }
            let access = store::access(pool).await?;
            eprintln!("Bypass link: {}", access.bypass_link());
            println!("{}", access.bypass_key);
        }
        MaintenanceCommand::Allow(AllowCommand::Add { network, label }) => {
            let entry = AllowedNetwork::parse(&network, &label)?;
            let added = store::allow(pool, caller, &entry).await?;
            println!("Allowed {}.", added.network);
        }
        MaintenanceCommand::Allow(AllowCommand::Remove { network }) => {
            let network = parse_network("network", &network)?;
            store::disallow(pool, caller, network).await?;
            println!("Removed {network} from the allowlist.");
        }
        MaintenanceCommand::Allow(AllowCommand::List) => {
            for entry in store::access(pool).await?.allowlist {
                println!("{:<43} {}", entry.network, entry.label);
            }
        }
    }
    Ok(())
}
