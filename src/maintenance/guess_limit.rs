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

    /// Whether `ip` has used up its wrong guesses for the window.
    pub fn locked(&self, ip: IpAddr, now: Instant) -> bool {
        let who = who(ip);
        let slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.run(who).filter_map(|i| slots[i]).any(|s| s.who == who && self.current(&s, now) && s.wrong >= self.max)
    }

    /// Counts one wrong guess from `ip`.
    pub fn wrong(&self, ip: IpAddr, now: Instant) {
        let who = who(ip);
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
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
            limit.wrong(IpAddr::V4((0x0a00_0000 + n).into()), start + Duration::from_millis(1));
        }
        assert_eq!(limit.slots.lock().unwrap().len(), SLOTS);
        assert!(limit.locked(ip("203.0.113.1"), start + Duration::from_millis(2)));
    }
}
