//! Small in-process caches on the hot path of every request.
//!
//! - Verified sessions, for at most [`SESSION_TTL`] of application time: a sign-out or expiry on
//!   this node removes the entry at once; on another node of a cluster a signed-out session may
//!   be honoured for up to that long (documented for operators). Idle expiry is still computed on
//!   every request from the stored last-seen time.
//! - Thread facts (patient and team), which never change once a thread exists.
//!
//! Both are bounded: when full they are emptied, never grown.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use portico_domain::messaging::ThreadFacts;
use portico_domain::session::AccountKind;
use portico_domain::{Actor, ThreadId, Timestamp};

/// How long a verified session is reused without asking the database.
pub const SESSION_TTL: Duration = Duration::from_secs(2);
const MAX_ENTRIES: usize = 100_000;

/// A session as last read from the database.
#[derive(Clone, Debug)]
pub(crate) struct CachedSession {
    pub(crate) actor: Actor,
    pub(crate) kind: AccountKind,
    pub(crate) created_at: Timestamp,
    pub(crate) last_seen_at: Timestamp,
    pub(crate) fetched_at: Timestamp,
}

/// The caches.
#[derive(Debug, Default)]
pub(crate) struct Caches {
    sessions: Mutex<HashMap<Vec<u8>, CachedSession>>,
    threads: Mutex<HashMap<ThreadId, ThreadFacts>>,
}

fn bounded_insert<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, k: K, v: V) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(k, v);
}

impl Caches {
    pub(crate) fn session(&self, hash: &[u8], now: Timestamp) -> Option<CachedSession> {
        let map = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(hash).filter(|s| now.since(s.fetched_at) < SESSION_TTL && now >= s.fetched_at).cloned()
    }
    pub(crate) fn put_session(&self, hash: &[u8], s: CachedSession) {
        let mut map = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        bounded_insert(&mut map, hash.to_vec(), s);
    }
    pub(crate) fn touch_session(&self, hash: &[u8], at: Timestamp) {
        let mut map = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(s) = map.get_mut(hash) {
            s.last_seen_at = at;
        }
    }
    pub(crate) fn forget_session(&self, hash: &[u8]) {
        self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(hash);
    }
    pub(crate) fn thread(&self, id: ThreadId) -> Option<ThreadFacts> {
        self.threads.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&id).copied()
    }
    pub(crate) fn put_thread(&self, id: ThreadId, facts: ThreadFacts) {
        let mut map = self.threads.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        bounded_insert(&mut map, id, facts);
    }
}
