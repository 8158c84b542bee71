//! Wrong bypass keys counted per address in a table of fixed size: whatever a flood of
//! addresses does, memory stays the same. IPv6 addresses count per /64 (one host usually holds
//! a whole /64), IPv4 per address.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries in the table. A new address takes a free or expired slot of its probe run, else the
/// one with the fewest wrong guesses (the oldest of those): a flood of one-off guesses never
/// frees an address that used up its budget.
const SLOTS: usize = 4096;
const PROBE: usize = 8;

#[derive(Clone, Copy)]
struct Slot {
    who: u128,
    wrong: u32,
    since: Instant,
}

/// Who is guessing, as far as the gate can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guesser {
    /// A known address: the peer, or the client a trusted proxy named.
    Address(IpAddr),
    /// A client behind an edge the gate does not trust (a CDN or load balancer missing from
    /// `PITWALL_TRUSTED_PROXIES`), by the last `X-Forwarded-For` hop that edge added. Counted
    /// per edge and client, so one visitor's wrong keys do not lock out everyone behind the same
    /// edge; the edge as a whole gets [`EDGE_SHARE`] budgets, so made-up hops buy only so much.
    BehindEdge { edge: IpAddr, client: IpAddr },
}

/// How many clients' budgets an untrusted edge gets in all.
pub const EDGE_SHARE: u32 = 50;

pub struct GuessLimit {
    max: u32,
    window: Duration,
    // Seeded per process, so nobody can aim many addresses at one probe run.
    hasher: RandomState,
    slots: Mutex<Vec<Option<Slot>>>,
}

impl GuessLimit {
    pub fn new(max: u32, window: Duration) -> Self {
        Self { max, window, hasher: RandomState::new(), slots: Mutex::new(vec![None; SLOTS]) }
    }

    /// Whether `guesser` has used up its wrong guesses for the window.
    pub fn locked(&self, guesser: Guesser, now: Instant) -> bool {
        let slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.budgets(guesser).into_iter().flatten().any(|(who, max)| {
            self.run(who).filter_map(|i| slots[i]).any(|s| s.who == who && self.current(&s, now) && s.wrong >= max)
        })
    }

    /// Counts one wrong guess from `guesser`.
    pub fn wrong(&self, guesser: Guesser, now: Instant) {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (who, _) in self.budgets(guesser).into_iter().flatten() {
            self.count(&mut slots, who, now);
        }
    }

    /// The counters a guess is charged to, each with its budget.
    fn budgets(&self, guesser: Guesser) -> [Option<(u128, u32)>; 2] {
        match guesser {
            Guesser::Address(ip) => [Some((who(ip), self.max)), None],
            Guesser::BehindEdge { edge, client } => [
                Some((self.tagged(1, who(edge), who(client)), self.max)),
                Some((self.tagged(2, who(edge), 0), self.max.saturating_mul(EDGE_SHARE))),
            ],
        }
    }

    /// A counter's key that no address's key can equal but by a 128-bit hash collision.
    fn tagged(&self, tag: u8, a: u128, b: u128) -> u128 {
        let high = self.hasher.hash_one((tag, a, b, 0u8));
        let low = self.hasher.hash_one((tag, a, b, 1u8));
        (u128::from(high) << 64) | u128::from(low)
    }

    fn count(&self, slots: &mut [Option<Slot>], who: u128, now: Instant) {
        let run: Vec<usize> = self.run(who).collect();
        if let Some(&i) = run.iter().find(|&&i| slots[i].is_some_and(|s| s.who == who)) {
            let slot = slots[i].as_mut().expect("found above");
            if !self.current(slot, now) {
                *slot = Slot { who, wrong: 0, since: now };
            }
            slot.wrong += 1;
            return;
        }
        let free = run.iter().copied().find(|&i| slots[i].is_none_or(|s| !self.current(&s, now)));
        let taken = free.unwrap_or_else(|| {
            run.iter()
                .copied()
                .min_by_key(|&i| slots[i].map(|s| (s.wrong, s.since)))
                .expect("a probe run is never empty")
        });
        slots[taken] = Some(Slot { who, wrong: 1, since: now });
    }

    fn current(&self, slot: &Slot, now: Instant) -> bool {
        now.duration_since(slot.since) < self.window
    }

    fn run(&self, who: u128) -> impl Iterator<Item = usize> {
        let start = self.hasher.hash_one(who) as usize;
        (0..PROBE).map(move |step| (start + step) % SLOTS)
    }
}

/// IPv4 as its mapped IPv6 form (low 64 bits never all zero but for 0.0.0.0); IPv6 by its /64.
fn who(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => u128::from(v4.to_ipv6_mapped()),
            None => u128::from(v6) & !u128::from(u64::MAX),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Guesser {
        Guesser::Address(s.parse().unwrap())
    }

    fn behind(edge: &str, client: &str) -> Guesser {
        Guesser::BehindEdge { edge: edge.parse().unwrap(), client: client.parse().unwrap() }
    }

    #[test]
    fn one_client_behind_an_edge_locks_out_itself_not_the_others_behind_it() {
        let limit = GuessLimit::new(3, Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..3 {
            limit.wrong(behind("192.0.2.1", "198.51.100.7"), now);
        }
        assert!(limit.locked(behind("192.0.2.1", "198.51.100.7"), now));
        assert!(!limit.locked(behind("192.0.2.1", "198.51.100.8"), now), "a colleague behind the same edge");
        assert!(!limit.locked(ip("192.0.2.1"), now), "the edge's own address is another counter");
        assert!(!limit.locked(behind("192.0.2.2", "198.51.100.7"), now), "the same claim through another edge");
    }

    #[test]
    fn made_up_clients_behind_one_edge_share_a_bounded_budget() {
        let limit = GuessLimit::new(3, Duration::from_secs(60));
        let now = Instant::now();
        let mut allowed = 0;
        for n in 0..10_000u32 {
            let guesser = Guesser::BehindEdge { edge: "192.0.2.1".parse().unwrap(), client: IpAddr::V4(n.into()) };
            if !limit.locked(guesser, now) {
                allowed += 1;
                limit.wrong(guesser, now);
            }
        }
        assert_eq!(allowed, 3 * EDGE_SHARE);
        assert!(!limit.locked(behind("192.0.2.9", "198.51.100.7"), now), "other edges keep theirs");
    }

    #[test]
    fn an_address_is_locked_after_its_wrong_guesses_until_the_window_passes() {
        let limit = GuessLimit::new(3, Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..3 {
            assert!(!limit.locked(ip("198.51.100.7"), now));
            limit.wrong(ip("198.51.100.7"), now);
        }
        assert!(limit.locked(ip("198.51.100.7"), now));
        assert!(!limit.locked(ip("198.51.100.8"), now), "another address is not");
        assert!(limit.locked(ip("::ffff:198.51.100.7"), now), "the mapped form is the same address");
        assert!(!limit.locked(ip("198.51.100.7"), now + Duration::from_secs(61)));
    }

    #[test]
    fn ipv6_counts_per_64() {
        let limit = GuessLimit::new(2, Duration::from_secs(60));
        let now = Instant::now();
        limit.wrong(ip("2001:db8:1:2::1"), now);
        limit.wrong(ip("2001:db8:1:2:ffff::9"), now);
        assert!(limit.locked(ip("2001:db8:1:2::42"), now), "one /64, one budget");
        assert!(!limit.locked(ip("2001:db8:1:3::1"), now));
    }

    #[test]
    fn a_flood_of_addresses_neither_grows_the_table_nor_frees_a_locked_one_early() {
        let limit = GuessLimit::new(2, Duration::from_secs(60));
        let start = Instant::now();
        limit.wrong(ip("203.0.113.1"), start);
        limit.wrong(ip("203.0.113.1"), start);
        // A million other addresses, each guessing once, later than the locked one.
        for n in 0..1_000_000u32 {
            limit.wrong(Guesser::Address(IpAddr::V4((0x0a00_0000 + n).into())), start + Duration::from_millis(1));
        }
        assert_eq!(limit.slots.lock().unwrap().len(), SLOTS);
        assert!(limit.locked(ip("203.0.113.1"), start + Duration::from_millis(2)));
    }
}
