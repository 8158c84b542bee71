//! First-run set-up, sign-in, throttling, sessions.

use crate::support::*;
use reqwest::StatusCode;

fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn first_run_leads_to_setup_and_setup_is_gone_afterwards() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    let res = visitor.get("/").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/setup");
    let page = visitor.get("/setup").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Create the owner account"));

    let owner = app.setup_owner().await;
    // Set-up signs the owner in.
    let res = owner.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains(OWNER_EMAIL));

    // Once a user exists, /setup is gone for everyone, and the endpoint refuses a second owner.
    assert_eq!(location(&owner.get("/setup").await), "/");
    assert_eq!(location(&app.browser().get("/setup").await), "/signin");
    let second = app
        .browser()
        .call(
            "setup",
            &[("code", SETUP_CODE), ("email", "mallory@example.com"), ("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    second.assert_error(404).await;
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.audit_actions().await, vec!["user.setup_owner"]);
}

#[tokio::test]
async fn setup_refuses_bad_input_at_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let cases: [(&str, &str, &str, &str); 4] = [
        ("", PASSWORD, PASSWORD, "email"),
        ("not-an-email", PASSWORD, PASSWORD, "email"),
        (OWNER_EMAIL, "short", "short", "password"),
        (OWNER_EMAIL, PASSWORD, "something else entirely", "confirm"),
    ];
    for (email, password, confirm, field) in cases {
        let body = b
            .call("setup", &[("code", SETUP_CODE), ("email", email), ("password", password), ("confirm", confirm)])
            .await
            .assert_error(422)
            .await;
        assert!(
            field_error(&body, field).is_some(),
            "{email:?}/{password:?}: expected an error at {field}, got {body}"
        );
    }
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("audit_log").await, 0);
}

#[tokio::test]
async fn sign_in_succeeds_and_rejects_wrong_password_and_unknown_user() {
    let app = TestApp::spawn().await;
    app.setup_owner().await;

    let b = app.browser();
    let body = b.sign_in(OWNER_EMAIL, "wrong password here").await.assert_error(422).await;
    assert_eq!(field_error(&body, "password").as_deref(), Some("The email or password is wrong."));
    let body = b.sign_in("nobody@example.com", PASSWORD).await.assert_error(422).await;
    assert_eq!(field_error(&body, "password").as_deref(), Some("The email or password is wrong."));
    let body = b.sign_in("", PASSWORD).await.assert_error(422).await;
    assert!(field_error(&body, "email").is_some());
    let body = b.sign_in(OWNER_EMAIL, "").await.assert_error(422).await;
    assert!(field_error(&body, "password").is_some());
    assert_eq!(b.get("/").await.status(), StatusCode::SEE_OTHER, "still signed out");

    // Email is case-insensitive.
    b.sign_in("Owner@Example.com", PASSWORD).await.assert_ok().await;
    assert_eq!(b.get("/").await.status(), StatusCode::OK);
    assert_eq!(location(&b.get("/signin").await), "/");
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_with_the_page_they_wanted() {
    let app = TestApp::spawn().await;
    app.setup_owner().await;
    let res = app.browser().get("/audit?actor=cli").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/signin?next=/audit%3Factor%3Dcli");
}

#[tokio::test]
async fn five_failures_throttle_the_account_and_success_resets() {
    let app = TestApp::spawn().await;
    app.setup_owner().await;
    let b = app.browser();
    for _ in 0..5 {
        b.sign_in(OWNER_EMAIL, "not the password!").await.assert_error(422).await;
    }
    // Even the right password is refused now, with a clear message.
    let body = b.sign_in(OWNER_EMAIL, PASSWORD).await.assert_error(503).await;
    assert!(
        body["message"].as_str().unwrap().starts_with("Too many failed sign-in attempts. Try again in 15 minutes"),
        "{body}"
    );

    // The window passing (moved back in time here) lifts the block; success clears the count.
    sqlx::query("UPDATE sign_in_failures SET at = at - interval '16 minutes'").execute(&app.pool).await.unwrap();
    b.sign_in(OWNER_EMAIL, PASSWORD).await.assert_ok().await;
    assert_eq!(app.count("sign_in_failures").await, 0);
}

#[tokio::test]
async fn failures_from_one_address_throttle_every_account_from_it() {
    let app = TestApp::spawn().await;
    app.setup_owner().await;
    let b = app.browser();
    for i in 0..5 {
        b.sign_in(&format!("guess{i}@example.com"), "not the password!").await.assert_error(422).await;
    }
    let body = b.sign_in(OWNER_EMAIL, PASSWORD).await.assert_error(503).await;
    assert!(body["message"].as_str().unwrap().contains("Too many failed sign-in attempts"));
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pitwall_session="))
        .map(str::to_owned)
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_rotated_at_sign_in() {
    let app = TestApp::spawn().await;
    app.setup_owner().await;
    let b = app.browser();
    // A failed attempt leaves no session behind.
    let failed = b.sign_in(OWNER_EMAIL, "wrong password x").await;
    assert!(session_cookie(&failed).is_none());

    let first = b.sign_in(OWNER_EMAIL, PASSWORD).await;
    let first_cookie = session_cookie(&first).expect("sign-in sets the session cookie");
    assert!(first_cookie.contains("HttpOnly"), "{first_cookie}");
    assert!(first_cookie.contains("SameSite=Lax"), "{first_cookie}");
    assert!(!first_cookie.contains("Secure"), "plain http test server: {first_cookie}");
    let second = b.sign_in(OWNER_EMAIL, PASSWORD).await;
    let second_cookie = session_cookie(&second).expect("second sign-in sets a cookie");
    let id = |c: &str| c.split(';').next().unwrap().to_owned();
    assert_ne!(id(&first_cookie), id(&second_cookie), "the session id changes at sign-in");

    // The old session id no longer signs anyone in.
    let stale = app.machine().get(app.url("/")).header("cookie", id(&first_cookie)).send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn https_public_url_makes_the_cookie_secure() {
    let app = TestApp::spawn_with(&[("PITWALL_PUBLIC_URL", "https://ops.example.com")]).await;
    let res = app
        .machine()
        .post(app.url("/api/setup"))
        .header("origin", "https://ops.example.com")
        .form(&[("code", SETUP_CODE), ("email", OWNER_EMAIL), ("password", PASSWORD), ("confirm", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&res).expect("cookie set");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::spawn().await;
    app.setup_owner().await;
    // The cookie as a client that keeps it would replay it: signing out must end the session on
    // the server, not only ask the browser to drop the cookie.
    let cookie = signed_in_cookie(&app).await;
    assert_eq!(get_with_cookie(&app, "/", &cookie).await.status(), StatusCode::OK);
    let out = app
        .machine()
        .post(app.url("/api/sign_out"))
        .header("origin", &app.base)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    out.assert_ok().await;
    assert_eq!(get_with_cookie(&app, "/", &cookie).await.status(), StatusCode::SEE_OTHER);
    let list = app
        .machine()
        .post(app.url("/api/users/list"))
        .header("origin", &app.base)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    list.assert_error(401).await;
}

/// Signs the owner in with a client that keeps no cookies; returns `pitwall_session=…` as the
/// `Cookie` header would carry it.
async fn signed_in_cookie(app: &TestApp) -> String {
    let res = app
        .machine()
        .post(app.url("/api/sign_in"))
        .header("origin", &app.base)
        .form(&[("email", OWNER_EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let set_cookie = session_cookie(&res).expect("sign-in sets the session cookie");
    res.assert_ok().await;
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.machine().get(app.url(path)).header("cookie", cookie).send().await.unwrap()
}

#[tokio::test]
async fn deactivating_a_user_kills_their_session() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let support = app.user(&owner, "sam@example.com", "support").await;
    assert_eq!(support.get("/").await.status(), StatusCode::OK);
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'sam@example.com'").fetch_one(&app.pool).await.unwrap();

    owner.call("users/active", &[("user_id", &id.to_string()), ("active", "false")]).await.assert_ok().await;
    assert_eq!(support.get("/").await.status(), StatusCode::SEE_OTHER, "the open session is over");
    let body = support.sign_in("sam@example.com", PASSWORD).await.assert_error(422).await;
    assert!(field_error(&body, "email").unwrap().contains("deactivated"));

    // Reactivation does not revive the old session, but allows signing in again.
    owner.call("users/active", &[("user_id", &id.to_string()), ("active", "true")]).await.assert_ok().await;
    assert_eq!(support.get("/").await.status(), StatusCode::SEE_OTHER);
    support.sign_in("sam@example.com", PASSWORD).await.assert_ok().await;
}

#[tokio::test]
async fn the_last_owner_cannot_be_demoted_or_deactivated() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let owner_id: i64 = sqlx::query_scalar("SELECT id FROM users").fetch_one(&app.pool).await.unwrap();
    let body = owner
        .call("users/role", &[("user_id", &owner_id.to_string()), ("role", "viewer")])
        .await
        .assert_error(409)
        .await;
    assert!(body["message"].as_str().unwrap().contains("last active owner"), "{body}");
    owner
        .call("users/active", &[("user_id", &owner_id.to_string()), ("active", "false")])
        .await
        .assert_error(409)
        .await;
    let role: String = sqlx::query_scalar("SELECT role FROM users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(role, "owner");
}

#[tokio::test]
async fn adding_users_validates_every_field() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let cases: [(&str, &str, &str, &str); 4] = [
        ("", "pm", PASSWORD, "email"),
        (OWNER_EMAIL, "pm", PASSWORD, "email"),
        ("new@example.com", "admin", PASSWORD, "role"),
        ("new@example.com", "pm", "2short", "password"),
    ];
    for (email, role, password, field) in cases {
        let body = owner
            .call("users/add", &[("email", email), ("role", role), ("password", password)])
            .await
            .assert_error(422)
            .await;
        assert!(field_error(&body, field).is_some(), "{email}/{role}: expected error at {field}: {body}");
    }
    let dup = owner
        .call("users/add", &[("email", OWNER_EMAIL), ("role", "pm"), ("password", PASSWORD)])
        .await
        .assert_error(422)
        .await;
    assert!(field_error(&dup, "email").unwrap().contains("already exists"));
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.audit_actions().await, vec!["user.setup_owner"]);
}

#[tokio::test]
async fn changing_your_password_ends_your_other_sessions() {
    let app = TestApp::spawn().await;
    let laptop = app.setup_owner().await;
    let phone = app.browser();
    phone.sign_in(OWNER_EMAIL, PASSWORD).await.assert_ok().await;
    let new = "a brand new passphrase";
    let body = laptop
        .call("change_password", &[("current", "wrong current pw"), ("password", new), ("confirm", new)])
        .await
        .assert_error(422)
        .await;
    assert!(field_error(&body, "current").is_some());
    laptop
        .call("change_password", &[("current", PASSWORD), ("password", new), ("confirm", new)])
        .await
        .assert_ok()
        .await;
    assert_eq!(laptop.get("/").await.status(), StatusCode::OK, "this session carries on");
    assert_eq!(phone.get("/").await.status(), StatusCode::SEE_OTHER, "the other one ended");
    app.browser().sign_in(OWNER_EMAIL, new).await.assert_ok().await;
}

#[tokio::test]
async fn cross_origin_posts_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.setup_owner().await;
    let before = app.count("users").await;
    let forged = owner
        .client
        .post(app.url("/api/users/add"))
        .header("origin", "https://evil.example")
        .form(&[("email", "evil@example.com"), ("role", "owner"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let via_referer = app
        .machine()
        .post(app.url("/api/sign_in"))
        .header("referer", "https://evil.example/login")
        .form(&[("email", OWNER_EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(via_referer.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("users").await, before);
    assert_eq!(app.audit_actions().await, vec!["user.setup_owner"]);
}

#[tokio::test]
async fn sessions_expire_after_the_configured_idle_time() {
    let app = TestApp::spawn_with(&[("PITWALL_SESSION_IDLE", "20m")]).await;
    app.setup_owner().await;
    let cookie = signed_in_cookie(&app).await;
    let expires_in = || async {
        let seconds: f64 = sqlx::query_scalar(
            "SELECT EXTRACT(EPOCH FROM max(expiry_date) - now())::float8 FROM tower_sessions.session",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        seconds
    };
    // Each request renews the session for the configured idle time, kept on the server…
    assert_eq!(get_with_cookie(&app, "/", &cookie).await.status(), StatusCode::OK);
    let left = expires_in().await;
    assert!((1190.0..=1200.0).contains(&left), "a request renews the session for 20 min, not {left} s");
    // …and once that time has passed without a request (aged on the server, the cookie kept as a
    // client would replay it), the same cookie no longer signs anyone in.
    sqlx::query("UPDATE tower_sessions.session SET expiry_date = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let res = get_with_cookie(&app, "/", &cookie).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/signin"), "{}", location(&res));
}

#[tokio::test]
async fn client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy() {
    let post_sign_in = |app: &TestApp, forwarded: &'static str, password: &'static str| {
        app.machine()
            .post(app.url("/api/sign_in"))
            .header("origin", &app.base)
            .header("x-forwarded-for", forwarded)
            .form(&[("email", OWNER_EMAIL), ("password", password)])
            .send()
    };

    // Behind a trusted proxy each forwarded client is its own address: five failures from
    // 203.0.113.7 do not throttle the owner signing in from 198.51.100.2…
    let proxied = TestApp::spawn_with(&[("PITWALL_TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    proxied.setup_owner().await;
    for _ in 0..4 {
        post_sign_in(&proxied, "203.0.113.7", "wrong password!!").await.unwrap().assert_error(422).await;
    }
    let ips: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT client_ip FROM sign_in_failures").fetch_all(&proxied.pool).await.unwrap();
    assert_eq!(ips, vec!["203.0.113.7"]);
    post_sign_in(&proxied, "198.51.100.2", PASSWORD).await.unwrap().assert_ok().await;
    let ip: Option<String> = sqlx::query_scalar("SELECT client_ip FROM audit_log WHERE action = 'session.sign_in'")
        .fetch_one(&proxied.pool)
        .await
        .unwrap();
    assert_eq!(ip.as_deref(), Some("198.51.100.2"));

    // …while without trusted proxies the header is ignored: the peer address is what counts.
    let direct = TestApp::spawn().await;
    direct.setup_owner().await;
    post_sign_in(&direct, "203.0.113.7", "wrong password!!").await.unwrap().assert_error(422).await;
    let ips: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT client_ip FROM sign_in_failures").fetch_all(&direct.pool).await.unwrap();
    assert_eq!(ips, vec!["127.0.0.1"]);
}
