//! End to end: a placer asks three candidate fulfillers to bid for a home-oxygen order; one
//! accepts with a proposal, one declines with a reason, one does not answer; the placer awards
//! the first and the open bid is cancelled as not selected. Every exchanged resource is in the
//! snapshot; every bid Task version passes task-fsm's checks.

mod coord_support;

use coord_support::{at, History, Transcript};
use coordination::bidding::{self, Answer, Candidate, NOT_SELECTED, SELECTED};
use coordination::{codes, coordination_machine, transport};
use fhir_model::{Primitive, Reference, TaskInput, TaskInputValue, TaskStatus};
use task_fsm::Actor;

const PLACER: &str = "https://placer.example.org/fhir";

fn org(id: &str) -> Reference {
    Reference::to_type_id("Organization", id)
}

#[test]
fn three_candidates_bid_one_is_awarded_the_open_one_is_cancelled() {
    let machine = coordination_machine().unwrap();
    let mut log = Transcript::default();
    let order = Reference::to_type_id("ServiceRequest", "home-oxygen");
    let candidates = [
        Candidate::new("bid-a", "https://placer.example.org/bids", "7-a", org("supplier-a")),
        Candidate::new("bid-b", "https://placer.example.org/bids", "7-b", org("supplier-b")),
        Candidate::new("bid-c", "https://placer.example.org/bids", "7-c", org("supplier-c")),
    ];
    let mut bids = bidding::invite(
        &order,
        &org("placer"),
        Some(&Reference::to_type_id("Patient", "p1")),
        ("https://placer.example.org/bid-rounds", "round-7"),
        &candidates,
        &at("2024-05-01T09:00:00Z"),
    )
    .unwrap();
    let mut histories: Vec<History> = bids.iter().map(|b| History::new(machine, b)).collect();
    log.step("placer: one bid Task per candidate (hosted by the placer; candidates are notified)");
    for b in &bids {
        log.request(&transport::create(PLACER, b).unwrap());
    }
    assert!(bidding::collect(&bids).iter().all(|b| b.answer == Answer::Pending));

    // Supplier A accepts with a proposal; supplier B declines; supplier C stays silent.
    bidding::accept_bid(
        &mut bids[0],
        vec![TaskInput::new(
            codes::text("Proposed delivery date"),
            TaskInputValue::DateTime(Primitive::new(at("2024-05-03"))),
        )],
        Some("proposal: delivery in 2 days"),
        &at("2024-05-01T10:00:00Z"),
    )
    .unwrap();
    histories[0].record(Actor::OWNER, &bids[0]);
    bidding::decline_bid(
        &mut bids[1],
        "No capacity in the patient's area",
        &at("2024-05-01T10:30:00Z"),
    )
    .unwrap();
    histories[1].record(Actor::OWNER, &bids[1]);
    log.step("candidates: A accepts with a proposal, B declines (updates on the placer's server)");
    log.request(&transport::update(PLACER, &bids[0]).unwrap());
    log.request(&transport::update(PLACER, &bids[1]).unwrap());

    let answers: Vec<Answer> = bidding::collect(&bids).into_iter().map(|b| b.answer).collect();
    assert_eq!(
        answers,
        [
            Answer::Accepted {
                business_status: Some("proposal: delivery in 2 days".into())
            },
            Answer::Rejected {
                reason: Some("No capacity in the patient's area".into())
            },
            Answer::Pending,
        ]
    );

    // A pending bid cannot win; A can.
    let err = bidding::award(&mut bids, "bid-c", &at("2024-05-01T11:00:00Z")).unwrap_err();
    assert!(err.to_string().contains("expected accepted"), "{err}");
    let award = bidding::award(&mut bids, "bid-a", &at("2024-05-01T11:00:00Z")).unwrap();
    assert_eq!(award.cancelled, ["bid-c"]);
    assert_eq!(award.untouched, ["bid-b"]);
    for (i, h) in histories.iter_mut().enumerate() {
        if i != 1 {
            h.record(Actor::REQUESTER, &bids[i]);
        }
    }
    assert_eq!(bids[0].status, TaskStatus::Accepted);
    assert_eq!(bids[0].business_status, Some(codes::text(SELECTED)));
    assert_eq!(bids[2].status, TaskStatus::Cancelled);
    assert_eq!(bids[2].status_reason, Some(codes::text(NOT_SELECTED)));
    assert_eq!(bids[1].status, TaskStatus::Rejected);
    log.step("placer: A selected, C cancelled as not selected, B left rejected");
    log.request(&transport::update(PLACER, &bids[0]).unwrap());
    log.request(&transport::update(PLACER, &bids[2]).unwrap());

    for h in &histories {
        h.assert_valid();
    }
    insta::assert_snapshot!(log.finish());
}

#[test]
fn an_award_that_cannot_be_made_changes_no_bid() {
    let mut bids = bidding::invite(
        &Reference::to_type_id("ServiceRequest", "sr"),
        &org("placer"),
        None,
        ("urn:ietf:rfc:3986", "urn:uuid:round"),
        &[
            Candidate::new("a", "urn:ietf:rfc:3986", "urn:uuid:a", org("a")),
            Candidate::new("b", "urn:ietf:rfc:3986", "urn:uuid:b", org("b")),
        ],
        &at("2024-05-01T09:00:00Z"),
    )
    .unwrap();
    let before = bids.clone();
    let err = bidding::award(&mut bids, "zzz", &at("2024-05-01T09:30:00Z")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "winner: expected the id of one of the bid Tasks (a, b), found zzz"
    );
    assert_eq!(bids, before);
    assert!(bidding::invite(
        &Reference::to_type_id("ServiceRequest", "sr"),
        &org("p"),
        None,
        ("s", "v"),
        &[],
        &at("2024-05-01")
    )
    .is_err());
    // A candidate cannot accept twice, and a declined bid cannot be accepted.
    bidding::decline_bid(&mut bids[1], "busy", &at("2024-05-01T09:40:00Z")).unwrap();
    assert!(bidding::accept_bid(&mut bids[1], vec![], None, &at("2024-05-01T09:41:00Z")).is_err());
}
