//! `pitwall maintenance …` against the test database: output, exit codes and audit rows.

use crate::support::*;
use std::process::{Command, Output};

struct Cli {
    url: String,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN).arg("maintenance").args(args).env("DATABASE_URL", &self.url).output().unwrap()
    }

    /// Runs and checks the exit code; returns standard output (and error, for failures).
    fn expect(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.run(args);
        let (stdout, stderr) = (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
        assert_eq!(out.status.code(), Some(code), "{args:?}\nstdout: {stdout}\nstderr: {stderr}");
        (stdout, stderr)
    }
}

// Multi-threaded: the CLI runs as a blocking child process, and the app's scheduler (which may
// hold the maintenance lock the CLI waits for) must keep running meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_command_reports_exits_and_audits_as_cli() {
    let app = TestApp::spawn().await;
    let cli = Cli { url: app.database_url().await };

    let (out, _) = cli.expect(&["enable", "--reason", "Scheduled maintenance", "--duration", "15m"], 0);
    assert!(out.starts_with("Maintenance is on"), "{out}");
    let (out, _) = cli.expect(&["status", "--json"], 0);
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["active"], true);
    assert_eq!(status["message"], "We are updating to improve your experience.");
    // Refusals exit 1 with the reason, and change nothing.
    let (_, err) = cli.expect(&["enable", "--reason", "again"], 1);
    assert!(err.contains("overlaps the maintenance in progress"), "{err}");
    let (_, err) = cli.expect(&["enable", "--duration", "soon"], 1);
    assert!(err.contains("--duration"), "{err}");
    let (_, err) = cli.expect(&["enable", "--schedule", "whenever"], 1);
    assert!(err.contains("--schedule"), "{err}");
    assert_eq!(app.count("maintenance_windows").await, 1);

    let (out, _) = cli.expect(&["disable"], 0);
    assert!(out.starts_with("Maintenance is off"), "{out}");
    let (out, _) = cli.expect(&["disable"], 0);
    assert!(out.contains("nothing to do"), "{out}");

    let (out, _) = cli.expect(&["enable", "--schedule=30", "--reason=Nightly update", "--duration=1h"], 0);
    assert!(out.starts_with("Maintenance scheduled"), "{out}");
    let in_minutes: f64 = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM planned_start - now())::float8 / 60 FROM maintenance_windows WHERE state = 'scheduled'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((29.0..=30.0).contains(&in_minutes), "starts in {in_minutes} min");
    let (out, _) = cli.expect(&["status"], 0);
    assert!(
        out.contains("Maintenance is off.") && out.contains("Next window: #") && out.contains("Nightly update"),
        "{out}"
    );
    cli.expect(&["enable", "--at", "2027-01-10T02:00:00+01:00", "--duration", "1h"], 0);

    let (key, link) = cli.expect(&["bypass-key"], 0);
    let key = key.trim().to_owned();
    let stored: String =
        sqlx::query_scalar("SELECT bypass_key FROM maintenance_settings").fetch_one(&app.pool).await.unwrap();
    assert_eq!(key, stored, "the key alone on standard output");
    assert!(link.contains(&format!("?bypass={key}")), "{link}");
    let (rotated, _) = cli.expect(&["bypass-key", "--rotate"], 0);
    assert_ne!(rotated.trim(), key);

    cli.expect(&["allow", "add", "198.51.100.0/24", "--label", "office"], 0);
    cli.expect(&["allow", "add", "2001:db8::1"], 0);
    let (_, err) = cli.expect(&["allow", "add", "198.51.100.0/24"], 1);
    assert!(err.contains("already on the allowlist"), "{err}");
    let (_, err) = cli.expect(&["allow", "add", "not-an-ip"], 1);
    assert!(err.contains("not an IP address"), "{err}");
    let (out, _) = cli.expect(&["allow", "list"], 0);
    assert!(out.contains("198.51.100.0/24") && out.contains("office") && out.contains("2001:db8::1/128"), "{out}");
    cli.expect(&["allow", "remove", "198.51.100.0/24"], 0);
    cli.expect(&["allow", "remove", "198.51.100.0/24"], 1);

    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, action FROM audit_log ORDER BY id").fetch_all(&app.pool).await.unwrap();
    assert!(rows.iter().all(|(actor, _)| actor == "cli"), "{rows:?}");
    let actions: Vec<&str> = rows.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "maintenance.start",
            "maintenance.end",
            "maintenance.schedule",
            "maintenance.schedule",
            "maintenance.bypass_key.rotate",
            "maintenance.allow.add",
            "maintenance.allow.add",
            "maintenance.allow.remove",
        ]
    );
}

#[test]
fn an_unreachable_database_is_exit_code_2() {
    let out = Command::new(BIN)
        .args(["maintenance", "status"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing")
        .env("PITWALL_DB_ACQUIRE_TIMEOUT", "2s")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn the_gate_never_migrates_and_serves_without_a_readable_database() {
    // An empty database: no schema at all, as before the first `pitwall migrate`.
    let (database, pool) = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("gate-state.json");
    let mut gate = Command::new(BIN)
        .args(["gate", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:9", "--state-file"])
        .arg(&state)
        .env("DATABASE_URL", url_of(&database).await)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(gate.stdout.take().unwrap()), &mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line:?}");
    // It answers (the site behind it is down: 502), and has created nothing.
    let res = reqwest::get(format!("{url}/")).await.unwrap();
    assert_eq!(res.status().as_u16(), 502);
    let migrated: bool =
        sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL").fetch_one(&pool).await.unwrap();
    assert!(!migrated, "the gate ran migrations");
    gate.kill().unwrap();
    let output = gate.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("maintenance state is stale"), "{log}");
}
