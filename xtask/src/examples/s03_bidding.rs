//! Scenario 3 (seed 001, Clinical Order Workflows): bidding across three fulfillers, then one
//! cancellation request rejected by the fulfiller and one accepted.

use coordination::bidding::{self, Candidate};
use coordination::change_request::{self, ChangeRequest};
use coordination::{codes, coordination_machine, CoordinationTask};
use fhir_model::*;
use task_fsm::{Actor, Event};

use super::s02_coordination::{at_placer, org, Play, PLACER};
use super::scenario::Scenario;
use super::server::Server;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub fn scenario() -> Result<Scenario, String> {
    let mut s = Scenario::new(
        "03-bidding-and-cancellation",
        "Bidding across three fulfillers, then cancellation requests",
        "Seed 001 (Clinical Order Workflows): the placer solicits bids for a home oxygen order from three \
         suppliers with one bid Task each (hosted on the placer's server); supplier A accepts with a proposal, \
         B declines with a reason, C accepts; the placer awards A and cancels C as not selected. Work starts on \
         the coordination Task; the placer then asks, with a cancellation request Task (`code` = `abort`, `focus` \
         = the coordination Task), to stop: A rejects the first request (delivery already on the way) and \
         accepts the second, which cancels the coordination Task. Machine: `cow-coordination`.",
    );
    let machine = coordination_machine().map_err(err)?;
    let mut server = Server::new(PLACER, "2024-05-01T09:00:00Z");
    let mut p = Play {
        s: &mut s,
        server: &mut server,
        machine,
    };

    let order = at_placer("ServiceRequest/home-oxygen");
    let bid_ids = "https://placer.example.org/bids";
    let candidates = [
        Candidate::new("bid-a", bid_ids, "7-a", org("supplier-a")),
        Candidate::new("bid-b", bid_ids, "7-b", org("supplier-b")),
        Candidate::new("bid-c", bid_ids, "7-c", org("supplier-c")),
    ];
    let mut bids = bidding::invite(
        &order,
        &org("placer"),
        Some(&Reference::to_type_id("Patient", "p1")),
        ("https://placer.example.org/bid-rounds", "round-7"),
        &candidates,
        &p.server.instant().into(),
    )
    .map_err(err)?;
    for (bid, name) in bids.iter_mut().zip(["a", "b", "c"]) {
        p.server.advance(5);
        p.create(
            &format!("post-bid-{name}"),
            &format!("The placer asks supplier {} for a bid", name.to_uppercase()),
            bid,
        )?;
    }

    p.server.advance(3600);
    let before = bids[0].clone();
    let proposal = TaskInput::new(
        codes::text("Proposed delivery date"),
        TaskInputValue::DateTime(Primitive::new("2024-05-03".parse().map_err(err)?)),
    );
    bidding::accept_bid(
        &mut bids[0],
        vec![proposal],
        Some("proposal: delivery in 2 days"),
        &p.server.instant().into(),
    )
    .map_err(err)?;
    p.record(
        "bid-a-accepts",
        "Supplier A accepts with a proposed delivery date",
        &before,
        &mut bids[0],
        Actor::OWNER,
    )?;

    p.server.advance(600);
    let before = bids[1].clone();
    bidding::decline_bid(
        &mut bids[1],
        "No capacity in the patient's area",
        &p.server.instant().into(),
    )
    .map_err(err)?;
    p.record(
        "bid-b-declines",
        "Supplier B declines with a reason",
        &before,
        &mut bids[1],
        Actor::OWNER,
    )?;

    p.server.advance(600);
    let before = bids[2].clone();
    bidding::accept_bid(
        &mut bids[2],
        vec![],
        Some("proposal: delivery in 4 days"),
        &p.server.instant().into(),
    )
    .map_err(err)?;
    p.record(
        "bid-c-accepts",
        "Supplier C accepts",
        &before,
        &mut bids[2],
        Actor::OWNER,
    )?;

    p.server.advance(1800);
    let before = bids.clone();
    let award = bidding::award(&mut bids, "bid-a", &p.server.instant().into()).map_err(err)?;
    for (i, bid) in bids.iter_mut().enumerate() {
        let id = bid.id.as_ref().and_then(|v| v.value.clone()).unwrap_or_default();
        if id == award.winner {
            p.record(
                "award-a",
                "The placer awards supplier A (business status `selected`)",
                &before[i],
                bid,
                Actor::REQUESTER,
            )?;
        } else if award.cancelled.contains(&id) {
            p.record(
                "cancel-c",
                "The placer cancels C's open bid as not selected",
                &before[i],
                bid,
                Actor::REQUESTER,
            )?;
        }
    }

    // The order is now A's: a coordination Task for it, accepted and started.
    p.server.advance(600);
    let mut coord = CoordinationTask::new(order.clone(), org("placer"), p.server.instant().into())
        .identifier("https://placer.example.org/cpoe", "o2-7")
        .patient(Reference::to_type_id("Patient", "p1"))
        .owner(org("supplier-a"))
        .build()
        .map_err(err)?;
    coord.id = Some(Primitive::from("coord-o2"));
    p.create(
        "post-coordination-task",
        "The placer creates the coordination Task for supplier A",
        &mut coord,
    )?;
    p.change(
        "coordination-accepted",
        "Supplier A accepts",
        &mut coord,
        Actor::OWNER,
        Event::Accept.into(),
    )?;
    p.change(
        "coordination-started",
        "Supplier A starts (delivery scheduled)",
        &mut coord,
        Actor::OWNER,
        Event::Start.into(),
    )?;

    // Once work began, the placer may not cancel directly (COW): it asks.
    let target = Reference::to_type_id("Task", "coord-o2");
    for (n, reason, accept) in [
        (1, "Patient admitted to hospital", false),
        (2, "Patient moved to another region; order withdrawn", true),
    ] {
        p.server.advance(1800);
        let mut request = ChangeRequest::cancel(target.clone(), org("placer"), p.server.instant().into())
            .identifier("https://placer.example.org/change-requests", &format!("cr-{n}"))
            .owner(org("supplier-a"))
            .reason(reason)
            .build()
            .map_err(err)?;
        request.id = Some(Primitive::new(format!("cancel-{n}")));
        p.create(
            &format!("post-cancel-request-{n}"),
            &format!("The placer asks supplier A to cancel ({reason})"),
            &mut request,
        )?;
        p.server.advance(900);
        let before = request.clone();
        if accept {
            change_request::accept(&mut request, &p.server.instant().into()).map_err(err)?;
            p.record(
                &format!("cancel-request-{n}-accepted"),
                "Supplier A accepts the cancellation request",
                &before,
                &mut request,
                Actor::OWNER,
            )?;
            p.server.advance(60);
            let before = coord.clone();
            change_request::cancel_target(&request, &mut coord, machine, &Actor::OWNER, &p.server.instant().into())
                .map_err(err)?;
            p.record(
                "coordination-cancelled",
                "Supplier A cancels the coordination Task as agreed",
                &before,
                &mut coord,
                Actor::OWNER,
            )?;
        } else {
            change_request::reject(
                &mut request,
                "Delivery already on the way; it will be collected instead",
                &p.server.instant().into(),
            )
            .map_err(err)?;
            p.record(
                &format!("cancel-request-{n}-rejected"),
                "Supplier A rejects the cancellation request, with a reason",
                &before,
                &mut request,
                Actor::OWNER,
            )?;
        }
    }
    s.note("A bid Task is one per candidate; the award leaves the declined bid as it was and cancels the other open bids with `statusReason` \"not selected\" (seed 001; COW workflow state overview).");
    s.note("Before work begins the placer may cancel the coordination Task itself; after it began it asks with a cancellation request Task, and only the fulfiller cancels (COW, cancelling and modifying requests).");
    Ok(s)
}
