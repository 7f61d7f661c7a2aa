//! moto servers shared by the tests of one test binary.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, TryLockError};

use crate::Moto;

/// The most servers a [`Pool`] starts.
pub const POOL_MAX: usize = 4;

/// moto servers shared by the tests of one test binary, as a `static`: each test takes one
/// for its whole run, reset, alone ([`Pool::take`]). There are as many servers as the test
/// harness runs tests at once (the machine's parallelism, at most [`POOL_MAX`];
/// `DAP_MOTO_SERVERS` sets it), each started on first use, so tests that deploy run side by
/// side instead of one after another on a single server.
pub struct Pool {
    slots: [OnceLock<Mutex<Moto>>; POOL_MAX],
    next: AtomicUsize,
}

impl Default for Pool {
    fn default() -> Self {
        Self::new()
    }
}

impl Pool {
    /// An empty pool: no server runs until a test takes one.
    pub const fn new() -> Self {
        Pool {
            slots: [const { OnceLock::new() }; POOL_MAX],
            next: AtomicUsize::new(0),
        }
    }

    /// How many servers this pool may run.
    pub fn size() -> usize {
        let wanted = std::env::var("DAP_MOTO_SERVERS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        wanted.clamp(1, POOL_MAX)
    }

    /// A reset server for the caller alone until the guard drops: a free running one, else a
    /// newly started one, else the next in turn once it is free. Panics when moto cannot start
    /// (a test fails, never skips).
    pub fn take(&'static self) -> MutexGuard<'static, Moto> {
        let slots = &self.slots[..Self::size()];
        let free = slots
            .iter()
            .filter_map(|s| s.get())
            .chain(slots.iter().filter(|s| s.get().is_none()).map(start))
            .find_map(|m| match m.try_lock() {
                Ok(guard) => Some(guard),
                Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            });
        let guard = free.unwrap_or_else(|| {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % slots.len();
            start(&slots[i])
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        });
        guard.reset().unwrap_or_else(|e| panic!("{e}"));
        guard
    }
}

/// The slot's server, started if it is not yet.
fn start(slot: &OnceLock<Mutex<Moto>>) -> &Mutex<Moto> {
    slot.get_or_init(|| Mutex::new(Moto::start().unwrap_or_else(|e| panic!("{e}"))))
}
