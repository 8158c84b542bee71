use super::*;
use chrono::TimeZone;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 10, h, m, 0).unwrap()
}

#[test]
fn a_down_monitor_gives_the_rules_status_and_the_worst_driver_wins() {
    let rule = MonitorRule { down: ComponentStatus::PartialOutage, degraded: ComponentStatus::DegradedPerformance };
    let now = at(12, 0);
    let mut drivers = Drivers { monitors: vec![LinkedMonitor::Fine, LinkedMonitor::Down], ..Drivers::default() };
    assert_eq!(derive(rule, &drivers, now), ComponentStatus::PartialOutage);
    drivers.incidents = vec![Impact::Critical];
    assert_eq!(derive(rule, &drivers, now), ComponentStatus::MajorOutage, "a critical incident is worse");
    drivers.monitors = vec![LinkedMonitor::Degraded];
    drivers.incidents = vec![Impact::None];
    assert_eq!(derive(rule, &drivers, now), ComponentStatus::DegradedPerformance);
    assert_eq!(derive(rule, &Drivers::default(), now), ComponentStatus::Operational);
}

#[test]
fn maintenance_beats_failing_monitors_and_an_override_beats_everything_until_it_expires() {
    let now = at(12, 0);
    let mut drivers = Drivers { monitors: vec![LinkedMonitor::Down], maintenance: true, ..Drivers::default() };
    assert_eq!(derive(MonitorRule::default(), &drivers, now), ComponentStatus::UnderMaintenance);
    drivers.override_ = Some(Override { status: ComponentStatus::Operational, until: Some(at(13, 0)) });
    assert_eq!(derive(MonitorRule::default(), &drivers, now), ComponentStatus::Operational);
    assert_eq!(derive(MonitorRule::default(), &drivers, at(13, 0)), ComponentStatus::UnderMaintenance, "expired");
    drivers.override_ = Some(Override { status: ComponentStatus::MajorOutage, until: None });
    assert_eq!(derive(MonitorRule::default(), &drivers, at(23, 0)), ComponentStatus::MajorOutage);
}

#[test]
fn the_indicator_is_the_worst_of_components_and_incidents_with_statuspages_descriptions() {
    use ComponentStatus::*;
    assert_eq!(Indicator::of([Operational, Operational], []), Indicator::None);
    assert_eq!(Indicator::None.description(), "All Systems Operational");
    assert_eq!(Indicator::of([Operational, UnderMaintenance], []), Indicator::Maintenance);
    assert_eq!(Indicator::Maintenance.description(), "Service Under Maintenance");
    assert_eq!(Indicator::of([UnderMaintenance, DegradedPerformance], []), Indicator::Minor);
    assert_eq!(Indicator::of([PartialOutage], [Impact::Minor]), Indicator::Major);
    assert_eq!(Indicator::Major.description(), "Partial System Outage");
    assert_eq!(Indicator::of([MajorOutage], []), Indicator::Critical);
    assert_eq!(Indicator::of([Operational], [Impact::Critical]), Indicator::Critical);
    assert_eq!(group_status([Operational, PartialOutage, DegradedPerformance]), PartialOutage);
}

#[test]
fn a_day_with_30_minutes_of_outage_and_2_hours_of_maintenance() {
    use ComponentStatus::*;
    let day = |h, m| Utc.with_ymd_and_hms(2026, 11, 9, h, m, 0).unwrap();
    let history = [
        StatusSpan { from: day(0, 0) - chrono::Duration::days(3), status: Operational },
        StatusSpan { from: day(2, 0), status: UnderMaintenance },
        StatusSpan { from: day(4, 0), status: Operational },
        StatusSpan { from: day(15, 0), status: MajorOutage },
        StatusSpan { from: day(15, 30), status: Operational },
    ];
    let bars = day_bars(&history, 90, chrono_tz::UTC, at(6, 0));
    assert_eq!(bars.len(), 90);
    assert_eq!(bars.last().unwrap().date, at(0, 0).date_naive(), "today last");
    let bar = &bars[88];
    assert_eq!(bar.date.to_string(), "2026-11-09");
    assert_eq!(bar.seconds_in(MajorOutage), 30 * 60);
    assert_eq!(bar.seconds_in(UnderMaintenance), 2 * 3600);
    assert_eq!(bar.seconds_in(Operational), 24 * 3600 - 30 * 60 - 2 * 3600);
    let uptime = bar.uptime().unwrap();
    assert!((uptime - (1.0 - 30.0 / (1440.0 - 120.0))).abs() < 1e-9, "maintenance left out: {uptime}");
    assert_eq!(bar.worst(), Some(MajorOutage));
    // Today so far: six operational hours.
    assert_eq!(bars[89].seconds_in(Operational), 6 * 3600);
    assert_eq!(bars[89].uptime(), Some(1.0));
    // Before the first record nothing is known.
    assert!(bars[0].is_empty());
    assert_eq!(bars[0].uptime(), None);
}

#[test]
fn a_partial_outage_counts_at_30_percent_and_days_follow_the_page_time_zone() {
    use ComponentStatus::*;
    let madrid: chrono_tz::Tz = "Europe/Madrid".parse().unwrap();
    // 23:00 UTC on the 8th is midnight of the 9th in Madrid (UTC+1 in November).
    let history = [
        StatusSpan { from: Utc.with_ymd_and_hms(2026, 11, 8, 23, 0, 0).unwrap(), status: PartialOutage },
        StatusSpan { from: Utc.with_ymd_and_hms(2026, 11, 9, 1, 0, 0).unwrap(), status: Operational },
    ];
    let bars = day_bars(&history, 3, madrid, at(12, 0));
    assert_eq!(bars[1].date.to_string(), "2026-11-09");
    assert_eq!(bars[1].seconds_in(PartialOutage), 2 * 3600);
    assert!(bars[0].is_empty(), "nothing before midnight in Madrid");
    let expected = 1.0 - 0.3 * 2.0 / 24.0;
    assert!((bars[1].uptime().unwrap() - expected).abs() < 1e-9);
}

#[test]
fn component_drafts_are_refused_at_the_field() {
    let draft = |f: fn(&mut ComponentDraft)| {
        let mut d = ComponentDraft { name: "API".into(), ..ComponentDraft::default() };
        f(&mut d);
        ComponentSpec::parse(&d)
    };
    let spec = draft(|d| d.monitors = vec!["api-http, API-HTTP".into(), "db".into()]).unwrap();
    assert_eq!(spec.monitors, ["api-http", "db"]);
    assert_eq!(spec.rule, MonitorRule::default());
    assert!(spec.covered_by_maintenance);
    let refused = |r: Result<ComponentSpec, crate::error::AppError>, field: &str| {
        r.unwrap_err().field_message(field).unwrap_or_else(|| panic!("no message at {field}"))
    };
    assert_eq!(refused(draft(|d| d.name = "  ".into()), "name"), "Give the component a name.");
    assert!(refused(draft(|d| d.down_status = "operational".into()), "down_status").contains("partial_outage"));
    assert!(refused(draft(|d| d.degraded_status = "broken".into()), "degraded_status").contains("Unknown"));
    assert!(refused(
        draft(|d| {
            d.is_group = true;
            d.group = "Core".into()
        }),
        "group"
    )
    .contains("another group"));
    assert!(refused(
        draft(|d| {
            d.is_group = true;
            d.monitors = vec!["x".into()]
        }),
        "monitors"
    )
    .contains("group"));
}

#[test]
fn overrides_last_a_while_or_until_cleared() {
    let now = at(12, 0);
    assert_eq!(
        OverrideSpec::parse("partial outage", "2h", now).unwrap(),
        OverrideSpec::Set(Override { status: ComponentStatus::PartialOutage, until: Some(at(14, 0)) })
    );
    assert_eq!(OverrideSpec::parse("clear", "", now).unwrap(), OverrideSpec::Clear);
    assert!(OverrideSpec::parse("on fire", "", now).unwrap_err().field_message("status").is_some());
    assert!(OverrideSpec::parse("major_outage", "soon", now).unwrap_err().field_message("for").is_some());
}

#[test]
fn branding_is_checked() {
    let draft = BrandingDraft {
        page_name: "Acme status".into(),
        logo_url: "https://acme.test/logo.svg".into(),
        accent: "#AA3300".into(),
        support_url: "mailto:help@acme.test".into(),
        time_zone: "Europe/Madrid".into(),
    };
    let branding = StatusBranding::parse(&draft).unwrap();
    assert_eq!(branding.accent, "#aa3300");
    let refused = |f: fn(&mut BrandingDraft), field: &str| {
        let mut d = draft.clone();
        f(&mut d);
        assert!(StatusBranding::parse(&d).unwrap_err().field_message(field).is_some(), "{field}");
    };
    refused(|d| d.accent = "red".into(), "accent");
    refused(|d| d.time_zone = "Mars/Olympus".into(), "time_zone");
    refused(|d| d.logo_url = "javascript:alert(1)".into(), "logo_url");
    refused(|d| d.page_name = String::new(), "page_name");
}
