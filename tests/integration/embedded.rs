//! The binary on its embedded PostgreSQL: first start creates the cluster, the CLI shares it
//! with the running server, `/readyz` reports a stopped database, restarts reuse the data, and
//! the last process out stops the cluster.

use crate::support::{ResponseExt, BIN, OWNER_EMAIL, PASSWORD};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

fn pitwall(data_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("DATABASE_URL")
        .env("PITWALL_DATA_DIR", data_dir)
        .env("PITWALL_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn");
    cmd
}

/// Starts the server and returns it with its base URL, read from the line it prints, and the
/// rest of what it prints.
fn start_server(data_dir: &Path) -> (Child, String, BufReader<ChildStdout>) {
    let mut child = pitwall(data_dir).arg("serve").stdout(Stdio::piped()).spawn().expect("pitwall starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("pitwall prints its URL");
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "unexpected first line {line:?}");
    (child, url, stdout)
}

fn stop_server(mut child: Child) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "pitwall exits cleanly on SIGTERM: {status}");
}

fn cli(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = pitwall(data_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn pg_ctl(data_dir: &Path, args: &[&str]) -> bool {
    let bin = String::from_utf8(Command::new("pg_config").arg("--bindir").output().unwrap().stdout).unwrap();
    let pg_ctl = Path::new(bin.trim()).join("pg_ctl");
    let pgdata = data_dir.join("pg");
    let is_root = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap().trim() == "0";
    let mut cmd = if is_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(pg_ctl);
        c
    } else {
        Command::new(pg_ctl)
    };
    cmd.arg("-D").arg(pgdata).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap().success()
}

fn cluster_running(data_dir: &Path) -> bool {
    pg_ctl(data_dir, &["status"])
}

async fn sign_in(client: &reqwest::Client, url: &str, email: &str, password: &str) -> reqwest::Response {
    client
        .post(format!("{url}/api/sign_in"))
        .header("origin", url)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn embedded_cluster_is_created_shared_with_the_cli_reported_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    // The cluster runs as an unprivileged user when tests run as root: let it in.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data_dir = dir.path().join("data");
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();

    let (server, url, mut printed) = start_server(&data_dir);
    assert!(cluster_running(&data_dir), "the cluster lives in the data directory");
    client.get(format!("{url}/readyz")).send().await.unwrap().assert_ok().await;
    // A fresh instance prints the one-time code that claims it; nothing else does.
    let mut line = String::new();
    printed.read_line(&mut line).unwrap();
    assert!(line.starts_with(&format!("Set up the owner at {url}/setup with the code ")), "{line:?}");
    let code = line.trim().rsplit(' ').next().unwrap().to_owned();
    let setup = |code: &str| {
        client
            .post(format!("{url}/api/setup"))
            .header("origin", &url)
            .form(&[("code", code), ("email", OWNER_EMAIL), ("password", PASSWORD), ("confirm", PASSWORD)])
            .send()
    };
    let wrong = setup("0000-0000-0000-0000-0000").await.unwrap().assert_error(422).await;
    assert_eq!(wrong["field"], "code", "{wrong}");
    setup(&code).await.unwrap().assert_ok().await;

    // The CLI joins the running cluster: no second postmaster, and the server sees its writes.
    let added = cli(
        &data_dir,
        &["user", "add", "--email", "pat@example.com", "--role", "pm", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(added.status.code(), Some(0), "{}", String::from_utf8_lossy(&added.stderr));
    assert!(cluster_running(&data_dir), "the CLI leaves the server's cluster running");
    sign_in(&reqwest::Client::new(), &url, "pat@example.com", PASSWORD).await.assert_ok().await;

    // Refused input exits 1 with the reason; nothing is written.
    let refused = cli(
        &data_dir,
        &["user", "add", "--email", "x@example.com", "--role", "admin", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--role: Unknown role"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let weak = cli(
        &data_dir,
        &["user", "add", "--email", "y@example.com", "--role", "pm", "--password-stdin"],
        Some("short\n"),
    );
    assert_eq!(weak.status.code(), Some(1));
    let no_tty = cli(&data_dir, &["user", "set-password", "--email", OWNER_EMAIL], None);
    assert_eq!(no_tty.status.code(), Some(1), "without a terminal the CLI asks for --password-stdin");

    // `token create` prints the token alone on stdout; it works against the API; the audit says `cli`.
    let created = cli(&data_dir, &["token", "create", "--name", "siem", "--scope", "audit:read"], None);
    assert_eq!(created.status.code(), Some(0), "{}", String::from_utf8_lossy(&created.stderr));
    let secret = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(secret.starts_with("pw_") && !secret.contains(' '));
    let audit = reqwest::Client::new()
        .get(format!("{url}/api/v1/audit?actor=cli"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .assert_ok()
        .await;
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["token.create", "user.create"]);
    let listed = cli(&data_dir, &["token", "list", "--json"], None);
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(list[0]["name"], "siem");
    let revoke_missing = cli(&data_dir, &["token", "revoke", "999"], None);
    assert_eq!(revoke_missing.status.code(), Some(1));

    // The database stops under the running server: /readyz says so with 503, /healthz degrades.
    assert!(pg_ctl(&data_dir, &["stop", "-m", "immediate", "-w"]));
    let ready = client.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["checks"]["database"]["status"], "error");
    let health: serde_json::Value = client.get(format!("{url}/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "degraded");
    // Pages answer promptly with an error instead of hanging.
    let page = tokio::time::timeout(
        Duration::from_secs(15),
        client.get(format!("{url}/")).header("accept", "text/html").send(),
    )
    .await
    .expect("no hang")
    .unwrap();
    assert_eq!(page.status().as_u16(), 503);
    assert!(page.text().await.unwrap().contains("Pitwall cannot serve this page right now"));
    stop_server(server);

    // A restart reuses the data: the owner exists, so /setup is gone and sign-in works.
    let (server, url, _) = start_server(&data_dir);
    let setup_page = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{url}/setup"))
        .send()
        .await
        .unwrap();
    assert_eq!(setup_page.headers()["location"], "/signin");
    sign_in(&reqwest::Client::new(), &url, OWNER_EMAIL, PASSWORD).await.assert_ok().await;
    stop_server(server);
    assert!(!cluster_running(&data_dir), "the last process out stops the cluster");

    // With no server running, a CLI command starts the cluster for its duration only.
    let listed = cli(&data_dir, &["token", "list"], None);
    assert_eq!(listed.status.code(), Some(0), "{}", String::from_utf8_lossy(&listed.stderr));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("siem"));
    assert!(!cluster_running(&data_dir));
}
