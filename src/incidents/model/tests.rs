//! Unit tests of the model as a whole.

use super::*;
use chrono::TimeZone;
use chrono::{DateTime, Duration, Utc};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

const SEV1: Targets = Targets { response_s: 900, resolution_s: 7200, update_cadence_s: Some(1800) };
const SEV2: Targets = Targets { response_s: 1800, resolution_s: 14_400, update_cadence_s: Some(1800) };

fn incident(declared: DateTime<Utc>, now: DateTime<Utc>) -> Incident {
    let mut i = Incident {
        id: 1,
        title: "Checkout down".into(),
        severity: Severity::new("severity", 1).unwrap(),
        status: Status::Investigating,
        impact: Impact::Critical,
        components: vec![],
        commander: None,
        assignee: None,
        times: Timestamps {
            started_at: declared,
            declared_at: declared,
            acknowledged_at: None,
            mitigated_at: None,
            resolved_at: None,
        },
        targets: SEV1,
        last_public_update_at: None,
        created_by: "user:a@example.com".into(),
        sla: Sla::compute(declared, &SEV1, None, None, None, now),
    };
    i.refresh_sla(now);
    i
}

#[test]
fn dues_are_declaration_plus_targets() {
    let sla = Sla::compute(at(10, 0), &SEV1, None, None, None, at(10, 1));
    assert_eq!(sla.response.due_at, at(10, 15));
    assert_eq!(sla.resolution.due_at, at(12, 0));
    assert_eq!(sla.next_update_due_at, Some(at(10, 30)));
    assert_eq!(sla.response.remaining_s, 14 * 60);
    assert_eq!(sla.response.state, ClockState::OnTrack);
}

#[test]
fn clock_states_follow_the_remaining_quarter() {
    let c = |now| Clock::compute(at(10, 0), 900, None, now).state;
    assert_eq!(c(at(10, 11)), ClockState::OnTrack); // 4 of 15 min left: more than a quarter
    assert_eq!(c(at(10, 12)), ClockState::AtRisk); // 3 min left < 3.75
    assert_eq!(c(at(10, 15)), ClockState::Breached);
    let met = Clock::compute(at(10, 0), 900, Some(at(10, 5)), at(11, 0));
    assert_eq!((met.state, met.remaining_s), (ClockState::Met, 600));
    let late = Clock::compute(at(10, 0), 900, Some(at(10, 20)), at(11, 0));
    assert_eq!((late.state, late.remaining_s), (ClockState::Breached, -300));
    // Read later, a running clock moves on; a stopped one does not.
    assert_eq!(Clock::compute(at(10, 0), 900, None, at(10, 1)).at(at(10, 20)).state, ClockState::Breached);
    assert_eq!(met.at(at(23, 0)), met);
}

#[test]
fn resolving_stops_an_unacknowledged_response_clock_and_the_update_cadence() {
    let sla = Sla::compute(at(10, 0), &SEV1, None, Some(at(10, 10)), None, at(11, 0));
    assert_eq!(sla.response.state, ClockState::Met);
    assert_eq!(sla.resolution.state, ClockState::Met);
    assert_eq!(sla.next_update_due_at, None);
    assert_eq!(sla.urgency_s(), None);
}

#[test]
fn next_update_counts_from_the_last_public_update() {
    let sla = Sla::compute(at(10, 0), &SEV1, None, None, Some(at(10, 20)), at(10, 21));
    assert_eq!(sla.next_update_due_at, Some(at(10, 50)));
    let sev3 = Targets { response_s: 7200, resolution_s: 86_400, update_cadence_s: None };
    assert_eq!(Sla::compute(at(10, 0), &sev3, None, None, None, at(10, 1)).next_update_due_at, None);
}

#[test]
fn severity_change_recomputes_dues_from_the_declaration_and_is_recorded() {
    let current = incident(at(10, 0), at(10, 5));
    let edit = Edit::parse(&IncidentPatch { severity: Some(2), ..Default::default() }).unwrap();
    let edited = edit.apply(&current, Some(SEV2), &[], at(10, 20)).unwrap();
    assert_eq!(edited.incident.sla.response.due_at, at(10, 30));
    assert_eq!(edited.incident.sla.resolution.due_at, at(14, 0));
    // At 10:20 the Sev1 clock was breached; under Sev2 it is 10 minutes from due.
    assert_eq!(edited.incident.sla.response.state, ClockState::OnTrack);
    assert!(edited.rearm_response && edited.rearm_resolution);
    assert_eq!(edited.events.len(), 1);
    assert_eq!(edited.events[0].kind, EventKind::Severity);
    assert!(edited.events[0].body.contains("Sev1 to Sev2"), "{}", edited.events[0].body);
}

#[test]
fn declaration_across_a_dst_change_keeps_real_hours() {
    use chrono_tz::Europe::Madrid;
    // 2026-03-29 01:30 in Madrid (UTC+1); clocks jump 02:00 → 03:00.
    let declared = Madrid.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap().with_timezone(&Utc);
    let sla = Sla::compute(declared, &SEV2, None, None, None, declared);
    assert_eq!(sla.resolution.due_at - declared, Duration::hours(4));
    // Four real hours later the wall clock reads 06:30, not 05:30.
    assert_eq!(sla.resolution.due_at.with_timezone(&Madrid).format("%H:%M %Z").to_string(), "06:30 CEST");
    // Fall-back: 2026-10-25 01:30 (UTC+2) + 2 h resolution of Sev1 → 02:30 CET (the second 02:30).
    let autumn = Madrid.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap().with_timezone(&Utc);
    let due = Sla::compute(autumn, &SEV1, None, None, None, autumn).resolution.due_at;
    assert_eq!(due.with_timezone(&Madrid).format("%H:%M %Z").to_string(), "02:30 CET");
}

#[test]
fn backfilled_start_moves_no_due_but_counts_in_mttr() {
    let mut current = incident(at(10, 0), at(10, 0));
    let edit =
        Edit::parse(&IncidentPatch { started_at: Some("2026-11-23T09:15:00Z".into()), ..Default::default() }).unwrap();
    let edited = edit.apply(&current, None, &[], at(10, 5)).unwrap();
    assert_eq!(edited.incident.times.started_at, at(9, 15));
    assert_eq!(edited.incident.sla.response.due_at, at(10, 15));
    current = edited.incident;
    current.times.resolved_at = Some(at(11, 15));
    let facts = IncidentFacts { severity: current.severity, times: current.times, targets: current.targets };
    assert_eq!(Kpis::compute(30, &[facts], at(12, 0)).mttr_s, Some(2 * 3600));
}

#[test]
fn timestamps_out_of_order_name_the_wrong_field() {
    let ok = Timestamps {
        started_at: at(9, 0),
        declared_at: at(10, 0),
        acknowledged_at: Some(at(10, 5)),
        mitigated_at: Some(at(10, 30)),
        resolved_at: Some(at(11, 0)),
    };
    assert_eq!(ok.check(at(12, 0)), Ok(()));
    let field = |t: Timestamps| t.check(at(12, 0)).unwrap_err();
    assert!(field(Timestamps { started_at: at(10, 1), ..ok }).field_message("started_at").is_some());
    assert!(field(Timestamps { acknowledged_at: Some(at(9, 59)), ..ok }).field_message("acknowledged_at").is_some());
    assert!(field(Timestamps { mitigated_at: Some(at(8, 0)), ..ok }).field_message("mitigated_at").is_some());
    let before_mitigation = field(Timestamps { resolved_at: Some(at(10, 20)), ..ok });
    assert!(before_mitigation.field_message("resolved_at").unwrap().contains("mitigation"));
    assert!(field(Timestamps { resolved_at: Some(at(13, 0)), ..ok })
        .field_message("resolved_at")
        .unwrap()
        .contains("future"));
}

#[test]
fn resolve_then_reopen() {
    let current = incident(at(10, 0), at(10, 0));
    let resolve = Edit::parse(&IncidentPatch { status: Some("resolved".into()), ..Default::default() }).unwrap();
    let resolved = resolve.apply(&current, None, &[], at(10, 40)).unwrap().incident;
    assert_eq!(resolved.times.resolved_at, Some(at(10, 40)));
    assert_eq!(resolved.sla.resolution.state, ClockState::Met);
    let reopen = Edit::parse(&IncidentPatch { status: Some("investigating".into()), ..Default::default() }).unwrap();
    let reopened = reopen.apply(&resolved, None, &[], at(13, 0)).unwrap();
    assert_eq!(reopened.incident.times.resolved_at, None);
    assert!(reopened.events[0].body.starts_with("Reopened"));
    assert!(reopened.rearm_resolution);
    // The resolution clock runs again, and was due at 12:00.
    assert_eq!(reopened.incident.sla.resolution.state, ClockState::Breached);
}

#[test]
fn acknowledge_stops_the_response_clock_once() {
    let current = incident(at(10, 0), at(10, 0));
    let acked = Edit::acknowledge().apply(&current, None, &[], at(10, 4)).unwrap().incident;
    assert_eq!(acked.sla.response.state, ClockState::Met);
    assert_eq!(acked.sla.response.remaining_s, 11 * 60);
    let again = Edit::acknowledge().apply(&acked, None, &[], at(10, 9));
    assert!(again.unwrap_err().field_message("body").is_some(), "a second acknowledgement changes nothing");
}

#[test]
fn assignment_needs_a_known_user() {
    let current = incident(at(10, 0), at(10, 0));
    let edit = Edit::parse(&IncidentPatch { assignee_id: Some(Some(7)), ..Default::default() }).unwrap();
    assert!(edit.apply(&current, None, &[], at(10, 1)).unwrap_err().field_message("assignee_id").is_some());
    let ada = Person { id: 7, email: "ada@example.com".into() };
    let edited = edit.apply(&current, None, std::slice::from_ref(&ada), at(10, 1)).unwrap();
    assert_eq!(edited.incident.assignee, Some(ada));
    assert_eq!(edited.events[0].body, "Assignee: ada@example.com.");
}

#[test]
fn patches_tell_null_from_absent_and_refuse_unknown_keys() {
    let patch: IncidentPatch = serde_json::from_str(r#"{"acknowledged_at": null}"#).unwrap();
    assert_eq!(patch.acknowledged_at, Some(None));
    let patch: IncidentPatch = serde_json::from_str(r#"{"status": "identified"}"#).unwrap();
    assert_eq!(patch.acknowledged_at, None);
    assert!(serde_json::from_str::<IncidentPatch>(r#"{"colour": "red"}"#).is_err());
    assert!(Edit::parse(&IncidentPatch::default()).is_err());
    // The console serialises patches: an absent key must stay absent on the way.
    let sent =
        serde_json::to_string(&IncidentPatch { status: Some("monitoring".into()), ..Default::default() }).unwrap();
    assert_eq!(sent, r#"{"status":"monitoring"}"#);
}

#[test]
fn new_incidents_are_validated() {
    let now = at(10, 0);
    let draft = |title: &str, severity| IncidentDraft { title: title.into(), severity, ..Default::default() };
    assert!(NewIncident::parse(&draft("", Some(1)), now).unwrap_err().field_message("title").is_some());
    assert!(NewIncident::parse(&draft("Down", Some(5)), now).unwrap_err().field_message("severity").is_some());
    assert!(NewIncident::parse(&draft("Down", None), now).unwrap_err().field_message("severity").is_some());
    let ok = NewIncident::parse(&draft("Down", Some(2)), now).unwrap();
    assert_eq!((ok.status(), ok.impact()), (Status::Investigating, Impact::Major));
    let future = IncidentDraft { started_at: Some("2026-11-23T11:00:00Z".into()), ..draft("Down", Some(1)) };
    assert!(NewIncident::parse(&future, now).unwrap_err().field_message("started_at").is_some());
    assert_eq!(Severity::parse("s", "Sev-3").unwrap().level(), 3);
    let comps = Components::parse("c", &["api, web".into(), "API".into()]).unwrap();
    assert_eq!(comps.as_slice(), ["api", "web"]);
}

#[test]
fn urgency_puts_breached_open_incidents_first() {
    let now = at(12, 0);
    let mut calm = incident(at(11, 55), now);
    calm.id = 1;
    let mut late = incident(at(10, 0), now);
    late.id = 2;
    let mut done = incident(at(11, 0), now);
    done.id = 3;
    done.status = Status::Resolved;
    done.times.resolved_at = Some(at(11, 30));
    done.refresh_sla(now);
    let mut list = vec![done, calm, late];
    sort_by_urgency(&mut list);
    assert_eq!(list.iter().map(|i| i.id).collect::<Vec<_>>(), [2, 1, 3]);
}

#[test]
fn kpis_over_a_period() {
    let now = at(12, 0);
    let sev = |l| Severity::new("s", l).unwrap();
    let facts = [
        IncidentFacts {
            severity: sev(1),
            times: Timestamps {
                started_at: at(8, 0),
                declared_at: at(8, 0),
                acknowledged_at: Some(at(8, 10)),
                mitigated_at: None,
                resolved_at: Some(at(9, 0)),
            },
            targets: SEV1,
        },
        IncidentFacts {
            severity: sev(2),
            times: Timestamps {
                started_at: at(10, 0),
                declared_at: at(10, 0),
                acknowledged_at: Some(at(10, 40)),
                mitigated_at: None,
                resolved_at: None,
            },
            targets: SEV2,
        },
    ];
    let k = Kpis::compute(1, &facts, now);
    assert_eq!(k.by_severity, [1, 1, 0, 0]);
    assert_eq!(k.mtta_s, Some(25 * 60));
    assert_eq!(k.mttr_s, Some(3600));
    // Sev1 response met; Sev2 response (30 min) breached at 10:40.
    assert_eq!(k.response_compliance, Some(50.0));
    // Sev1 resolved in time; Sev2's resolution clock still runs: not counted.
    assert_eq!(k.resolution_compliance, Some(100.0));
    // 24 h minus 1 h and 2 h of incidents, over two incidents.
    assert_eq!(k.mtbf_s, Some((86_400 - 3 * 3600) / 2));
}

#[test]
fn export_holds_facts_timeline_and_items() {
    let i = incident(at(10, 0), at(10, 0));
    let events = [TimelineEvent {
        id: 1,
        kind: EventKind::Update,
        body: "We are on it".into(),
        public: true,
        author: "user:s@example.com".into(),
        created_at: at(10, 1),
        occurred_at: at(10, 1),
    }];
    let md = export_markdown(&i, &events, None);
    assert!(md.starts_with("# Incident #1: Checkout down\n"));
    assert!(md.contains("- 2026-11-23 10:01:00 UTC — Public update (public) — user:s@example.com: We are on it"));
    let template = PostmortemSections::template(&i, &events);
    assert!(template.timeline.contains("We are on it"));
}
