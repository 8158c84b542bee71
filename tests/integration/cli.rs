//! CLI exit codes that need no database.

use crate::support::BIN;
use std::process::Command;

#[test]
fn unreachable_database_is_an_infrastructure_error() {
    let out = Command::new(BIN)
        .args(["token", "list"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing")
        .env("PITWALL_DB_ACQUIRE_TIMEOUT", "2s")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot connect to the database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_configuration_names_the_variable() {
    let out = Command::new(BIN).args(["migrate"]).env("PITWALL_SESSION_IDLE", "forever").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PITWALL_SESSION_IDLE"));
}

#[test]
fn missing_server_binaries_name_the_package_and_the_alternative() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["migrate"])
        .env_remove("DATABASE_URL")
        .env("PITWALL_DATA_DIR", dir.path())
        .env("PITWALL_PG_BINDIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("apt-get install postgresql") && stderr.contains("DATABASE_URL"), "{stderr}");
}

#[test]
fn json_log_format_writes_one_json_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    // Reachable by the unprivileged postgres user when the tests run as root.
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = Command::new(BIN)
        .args(["migrate"])
        .env_remove("DATABASE_URL")
        .env("PITWALL_DATA_DIR", dir.path().join("data"))
        .env("PITWALL_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<serde_json::Value> =
        stderr.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    let messages: Vec<&str> = lines.iter().filter_map(|l| l["fields"]["message"].as_str()).collect();
    assert!(messages.contains(&"embedded PostgreSQL cluster created"), "{messages:?}");
    assert!(lines.iter().all(|l| l["level"].is_string() && l["timestamp"].is_string()));
}
