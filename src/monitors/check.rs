//! Running one check: ask the target (HTTP, TCP, Postgres, Redis), observe, and judge the
//! observation by the monitor's conditions and, when the body is one, its health document.

use super::model::{
    redact_target, Condition, ConditionOutcome, HealthReport, MonitorKind, MonitorSpec, Observation, Outcome,
    ServiceHealth,
};
use sqlx::Connection;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Bodies past this size are cut: conditions read the first MiB.
const MAX_BODY_BYTES: usize = 1 << 20;

/// What one check concluded.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub response_ms: Option<u32>,
    pub status_code: Option<u16>,
    /// Why, in a line: the failing condition, the error, the unhealthy services; or what was seen.
    pub message: String,
    pub conditions: Vec<ConditionOutcome>,
    pub services: Vec<ServiceHealth>,
}

/// The HTTP clients checks share, one per (follow redirects, verify TLS): building a client
/// loads the root certificates, far too slow to do per check.
pub struct HttpClients([OnceLock<reqwest::Client>; 4]);

impl HttpClients {
    pub const fn new() -> Self {
        Self([OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()])
    }

    fn get(&self, follow_redirects: bool, verify_tls: bool) -> &reqwest::Client {
        let slot = usize::from(follow_redirects) * 2 + usize::from(verify_tls);
        self.0[slot].get_or_init(|| {
            reqwest::Client::builder()
                .user_agent(concat!("Pitwall/", env!("CARGO_PKG_VERSION"), " (monitor)"))
                .redirect(if follow_redirects {
                    reqwest::redirect::Policy::limited(10)
                } else {
                    reqwest::redirect::Policy::none()
                })
                .danger_accept_invalid_certs(!verify_tls)
                .tls_info(true)
                .pool_idle_timeout(Duration::from_secs(30))
                .build()
                .expect("a client with these settings always builds")
        })
    }
}

impl Default for HttpClients {
    fn default() -> Self {
        Self::new()
    }
}

/// Checks `spec` once. Never takes much longer than its timeout.
async fn run(spec: &MonitorSpec, clients: &HttpClients) -> Verdict {
    let timeout = Duration::from_secs(spec.timeout_s.into());
    let started = Instant::now();
    let attempt = match spec.kind {
        MonitorKind::Http => http(spec, clients, timeout).await,
        MonitorKind::Tcp => within(timeout, tcp(&spec.target)).await,
        MonitorKind::Postgres => within(timeout, postgres(&spec.target)).await,
        MonitorKind::Redis => within(timeout, redis(&spec.target)).await,
        MonitorKind::Push => Err("a push monitor is not checked: its job reports".to_owned()),
        MonitorKind::Pitwall => Err("Pitwall checks itself from its scheduler".to_owned()),
    };
    let elapsed = started.elapsed().as_millis().min(u128::from(u32::MAX)) as u64;
    match attempt {
        Ok(mut seen) => {
            if seen.response_ms == 0 {
                seen.response_ms = elapsed;
            }
            judge(spec, &seen)
        }
        Err(error) => Verdict {
            outcome: Outcome::Down,
            response_ms: None,
            status_code: None,
            message: error,
            conditions: conditions_of(spec)
                .iter()
                .map(|c| c.evaluate(&Observation { response_ms: elapsed, ..Observation::default() }))
                .collect(),
            services: Vec::new(),
        },
    }
}

/// Checks `spec` once, as the scheduler would: Pitwall's own monitor looks at this process.
pub async fn run_here(
    spec: &MonitorSpec,
    clients: &HttpClients,
    pool: &sqlx::PgPool,
    supervisor: &crate::server::jobs::Supervisor,
) -> Verdict {
    match spec.kind {
        MonitorKind::Pitwall => pitwall(pool, supervisor).await,
        _ => run(spec, clients).await,
    }
}

/// Pitwall watching itself: its database must answer and none of this process's job loops may
/// have stalled (the scheduler that runs this check is one of them: a process whose scheduler
/// stopped is noticed by the other processes, or by an outside check of `/readyz`).
pub async fn pitwall(pool: &sqlx::PgPool, supervisor: &crate::server::jobs::Supervisor) -> Verdict {
    use crate::server::health::{check_database, Status};
    let database = check_database(pool).await;
    let stalled: Vec<String> = supervisor
        .stalled()
        .iter()
        .map(|s| format!("{} (silent {})", s.what, crate::ui::human_duration(s.silent_for.as_secs())))
        .collect();
    let connected = database.status == Status::Ok;
    let services = vec![
        ServiceHealth {
            name: "database".to_owned(),
            status: if connected { "connected" } else { "disconnected" }.to_owned(),
            healthy: connected,
            response_ms: Some(database.response_ms as f64),
        },
        ServiceHealth {
            name: "jobs".to_owned(),
            status: if stalled.is_empty() { "running" } else { "stalled" }.to_owned(),
            healthy: stalled.is_empty(),
            response_ms: None,
        },
    ];
    let mut problems = Vec::new();
    if let Some(error) = &database.error {
        problems.push(format!("database disconnected: {error}"));
    }
    if !stalled.is_empty() {
        problems.push(format!("stalled: {}", stalled.join(", ")));
    }
    let (outcome, message) = if problems.is_empty() {
        (Outcome::Up, format!("database answered in {} ms; no job loop stalled", database.response_ms))
    } else {
        (Outcome::Down, problems.join("; "))
    };
    Verdict {
        outcome,
        response_ms: Some(database.response_ms.min(u64::from(u32::MAX)) as u32),
        status_code: None,
        message,
        conditions: Vec::new(),
        services,
    }
}

/// The conditions a monitor is judged by: its own, or the kind's default.
pub fn conditions_of(spec: &MonitorSpec) -> Vec<Condition> {
    if !spec.conditions.is_empty() {
        return spec.conditions.clone();
    }
    let default = match spec.kind {
        MonitorKind::Http => "[STATUS] < 400",
        _ => "[CONNECTED] == true",
    };
    vec![Condition::parse(default).expect("the default conditions parse")]
}

fn judge(spec: &MonitorSpec, seen: &Observation) -> Verdict {
    let conditions: Vec<ConditionOutcome> = conditions_of(spec).iter().map(|c| c.evaluate(seen)).collect();
    let health = seen.body.as_deref().filter(|_| spec.kind == MonitorKind::Http).and_then(HealthReport::read);
    let failing: Vec<&str> = conditions.iter().filter(|c| !c.passed).map(|c| c.detail.as_str()).collect();
    let unhealthy = health.as_ref().map(HealthReport::unhealthy_services).unwrap_or_default();
    let (outcome, message) = if !failing.is_empty() {
        let mut message = format!("failed: {}", failing.join("; "));
        if !unhealthy.is_empty() {
            message.push_str(&format!(" ({unhealthy})"));
        }
        (Outcome::Down, message)
    } else if let Some(report) = health.as_ref().filter(|h| h.outcome != Outcome::Up) {
        let named = if unhealthy.is_empty() { report.warnings.join("; ") } else { unhealthy.clone() };
        let message = if named.is_empty() {
            format!("health: {}", report.overall)
        } else {
            format!("health: {} — {named}", report.overall)
        };
        (report.outcome, message)
    } else {
        let seen_as = match seen.status {
            Some(status) => format!("{status} in {} ms", seen.response_ms),
            None => format!("answered in {} ms", seen.response_ms),
        };
        (Outcome::Up, seen_as)
    };
    Verdict {
        outcome,
        response_ms: Some(seen.response_ms.min(u64::from(u32::MAX)) as u32),
        status_code: seen.status,
        message,
        conditions,
        services: health.map(|h| h.services).unwrap_or_default(),
    }
}

async fn within<F>(timeout: Duration, attempt: F) -> Result<Observation, String>
where
    F: std::future::Future<Output = Result<Observation, String>>,
{
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", timeout.as_secs())))
}

/// The innermost cause of an error, which is what says what went wrong ("Connection refused").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

async fn http(spec: &MonitorSpec, clients: &HttpClients, timeout: Duration) -> Result<Observation, String> {
    let settings = &spec.http;
    let method =
        reqwest::Method::from_bytes(settings.method.as_bytes()).map_err(|_| "the method is not valid".to_owned())?;
    let mut request =
        clients.get(settings.follow_redirects, settings.verify_tls).request(method, &spec.target).timeout(timeout);
    for (name, value) in &settings.headers {
        request = request.header(name, value);
    }
    if !settings.body.is_empty() {
        request = request.body(settings.body.clone());
    }
    let started = Instant::now();
    let failed = |err: reqwest::Error| {
        if err.is_timeout() {
            format!("no answer within {} s", timeout.as_secs())
        } else if err.is_connect() {
            format!("could not connect: {}", root_cause(&err))
        } else {
            format!("request failed: {}", root_cause(&err))
        }
    };
    let mut response = request.send().await.map_err(failed)?;
    let certificate_expires_in_s = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .and_then(certificate_seconds_left);
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        body.extend_from_slice(&chunk[..chunk.len().min(MAX_BODY_BYTES - body.len())]);
        if body.len() >= MAX_BODY_BYTES {
            break;
        }
    }
    Ok(Observation {
        connected: true,
        status: Some(status),
        response_ms: started.elapsed().as_millis().max(1) as u64,
        headers,
        body: Some(String::from_utf8_lossy(&body).into_owned()),
        certificate_expires_in_s,
    })
}

fn certificate_seconds_left(der: &[u8]) -> Option<i64> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(certificate.validity().not_after.timestamp() - chrono::Utc::now().timestamp())
}

fn connected() -> Observation {
    Observation { connected: true, ..Observation::default() }
}

async fn tcp(target: &str) -> Result<Observation, String> {
    TcpStream::connect(target).await.map_err(|err| format!("could not connect to {target}: {err}"))?;
    Ok(connected())
}

async fn postgres(dsn: &str) -> Result<Observation, String> {
    let shown = redact_target(dsn);
    let mut connection = sqlx::PgConnection::connect(dsn).await.map_err(|err| match err {
        sqlx::Error::Database(db) => format!("{shown} refused: {}", db.message()),
        other => format!("could not connect to {shown}: {}", root_cause(&other)),
    })?;
    sqlx::query("SELECT 1")
        .execute(&mut connection)
        .await
        .map_err(|err| format!("SELECT 1 failed: {}", root_cause(&err)))?;
    let _ = connection.close().await;
    Ok(connected())
}

/// `redis://[user][:password]@host:port[/db]` → (host:port, AUTH arguments).
fn redis_address(url: &str) -> Result<(String, Vec<String>), String> {
    let rest = url.strip_prefix("redis://").ok_or("not a redis:// URL")?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let (credentials, host) = match authority.rsplit_once('@') {
        Some((c, h)) => (Some(c), h),
        None => (None, authority),
    };
    let address = if host.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
        host.to_owned()
    } else {
        format!("{host}:6379")
    };
    let auth = match credentials.map(|c| c.split_once(':').unwrap_or((c, ""))) {
        None => Vec::new(),
        Some(("", password)) => vec![password.to_owned()],
        Some((user, "")) => vec![user.to_owned()],
        Some((user, password)) => vec![user.to_owned(), password.to_owned()],
    };
    Ok((address, auth))
}

/// One RESP command as an array of bulk strings.
fn resp_command(words: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for word in words {
        out.extend_from_slice(format!("${}\r\n{word}\r\n", word.len()).as_bytes());
    }
    out
}

/// `PING` over RESP (after `AUTH` when the URL has credentials): a reply of `+PONG` is up.
async fn redis(url: &str) -> Result<Observation, String> {
    let (address, auth) = redis_address(url)?;
    let stream = TcpStream::connect(&address).await.map_err(|err| format!("could not connect to {address}: {err}"))?;
    let mut stream = BufReader::new(stream);
    let mut reply = String::new();
    if !auth.is_empty() {
        let mut words = vec!["AUTH"];
        words.extend(auth.iter().map(String::as_str));
        stream.get_mut().write_all(&resp_command(&words)).await.map_err(|e| e.to_string())?;
        stream.read_line(&mut reply).await.map_err(|e| e.to_string())?;
        if !reply.starts_with("+OK") {
            return Err(format!("AUTH refused: {}", reply.trim()));
        }
        reply.clear();
    }
    stream.get_mut().write_all(&resp_command(&["PING"])).await.map_err(|e| e.to_string())?;
    stream.read_line(&mut reply).await.map_err(|e| e.to_string())?;
    match reply.trim() {
        "+PONG" => Ok(connected()),
        "" => Err("the server closed the connection".into()),
        other => Err(format!("PING answered {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_urls() {
        assert_eq!(redis_address("redis://127.0.0.1:6380/0").unwrap(), ("127.0.0.1:6380".into(), vec![]));
        assert_eq!(redis_address("redis://cache").unwrap(), ("cache:6379".into(), vec![]));
        assert_eq!(redis_address("redis://:pw@cache:1").unwrap(), ("cache:1".into(), vec!["pw".into()]));
        assert_eq!(redis_address("redis://u:pw@cache:1").unwrap().1, vec!["u".to_owned(), "pw".to_owned()]);
        assert_eq!(resp_command(&["PING"]), b"*1\r\n$4\r\nPING\r\n".to_vec());
    }

    /// A database that refuses and a loop silent past its periods: Pitwall's own monitor is down
    /// and names both.
    #[tokio::test(start_paused = true)]
    async fn pitwall_is_down_naming_its_database_and_a_stalled_loop() {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(Duration::from_millis(500))
            .connect_lazy("postgres://pitwall@127.0.0.1:1/none")
            .unwrap();
        let supervisor = crate::server::jobs::Supervisor::default();
        supervisor.register("the test loop", Duration::from_secs(1));
        tokio::time::advance(Duration::from_secs(60)).await;
        let verdict = pitwall(&pool, &supervisor).await;
        assert_eq!(verdict.outcome, Outcome::Down);
        assert!(verdict.message.starts_with("database disconnected: "), "{}", verdict.message);
        assert!(verdict.message.ends_with("; stalled: the test loop (silent 1 min)"), "{}", verdict.message);
        let services: Vec<(&str, &str, bool)> =
            verdict.services.iter().map(|s| (s.name.as_str(), s.status.as_str(), s.healthy)).collect();
        assert_eq!(services, [("database", "disconnected", false), ("jobs", "stalled", false)]);
    }
}
