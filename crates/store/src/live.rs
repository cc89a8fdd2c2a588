//! "Something changed in this thread": ids only, never content, for the staff inbox's live
//! updates. In one process a broadcast channel carries them; on PostgreSQL every change is also
//! sent with `NOTIFY`, and each node's listener puts what any node wrote on its own channel, so
//! an inbox open on one node hears a message saved on another.

use portico_domain::{TeamId, ThreadId};
use tokio::sync::broadcast;

use crate::{Store, StoreError};

/// The PostgreSQL channel.
const CHANNEL: &str = "portico_threads";

/// A thread had a message added, recalled or released.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadChanged {
    /// The thread.
    pub thread: ThreadId,
    /// Its team (who should hear of it).
    pub team: TeamId,
}

impl ThreadChanged {
    fn encode(self) -> String {
        format!("{} {}", self.thread, self.team)
    }
    fn decode(s: &str) -> Option<Self> {
        let (thread, team) = s.split_once(' ')?;
        Some(Self { thread: thread.parse().ok()?, team: team.parse().ok()? })
    }
}

/// The in-process channel (a slow listener misses old changes, never blocks a writer).
pub(crate) fn hub() -> broadcast::Sender<ThreadChanged> {
    broadcast::channel(1024).0
}

impl Store {
    /// Listens to the thread changes (of every node, on PostgreSQL).
    pub fn thread_changes(&self) -> broadcast::Receiver<ThreadChanged> {
        self.threads.subscribe()
    }

    /// Announces a change, after its commit. On PostgreSQL it goes through `NOTIFY` (queued
    /// for the notifier, see [`notifier`]), which brings it back to this node too.
    pub async fn announce(&self, change: ThreadChanged) -> Result<(), StoreError> {
        match &self.notify {
            // A full queue drops the change, as a slow listener misses old ones: an inbox
            // refreshes on its own schedule too.
            Some(queue) => {
                let _ = queue.try_send(change);
            }
            // No receiver is not an error: nobody has an inbox open.
            None => {
                let _ = self.threads.send(change);
            }
        }
        Ok(())
    }
}

/// Most changes waiting for the notifier.
const NOTIFY_QUEUE: usize = 4096;

/// On PostgreSQL: sends the queued changes, every one queued since the last statement in one
/// `NOTIFY` statement (its own transaction), each thread once. A change per statement was a
/// transaction, and a WAL flush, for every message sent.
pub(crate) fn notifier(pool: sqlx::AnyPool) -> tokio::sync::mpsc::Sender<ThreadChanged> {
    let (queue, mut rx) = tokio::sync::mpsc::channel(NOTIFY_QUEUE);
    tokio::spawn(async move {
        let mut changes = Vec::with_capacity(256);
        while rx.recv_many(&mut changes, 256).await > 0 {
            let mut payloads: Vec<String> = changes.drain(..).map(ThreadChanged::encode).collect();
            payloads.sort_unstable();
            payloads.dedup();
            for chunk in crate::batch::pow2_chunks(&payloads, 128) {
                let sql = format!(
                    "SELECT pg_notify('{CHANNEL}', v.p) FROM (VALUES {}) AS v(p)",
                    crate::batch::Params::Numbered.rows(chunk.len(), 1)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for p in chunk {
                    q = q.bind(p.as_str());
                }
                if let Err(e) = q.execute(&pool).await {
                    tracing::warn!(error = %e, changes = chunk.len(), "live updates not announced");
                }
            }
        }
    });
    queue
}

/// On PostgreSQL: relays every node's `NOTIFY` to this node's channel until the process ends.
/// The listener reconnects by itself when its connection drops.
pub(crate) fn relay(url: &str, hub: broadcast::Sender<ThreadChanged>) {
    let url = url.to_owned();
    tokio::spawn(async move {
        let mut retry = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            retry.tick().await;
            let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "live updates: cannot connect the listener");
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::warn!(error = %e, "live updates: cannot listen");
                continue;
            }
            loop {
                match listener.recv().await {
                    Ok(n) => {
                        if let Some(change) = ThreadChanged::decode(n.payload()) {
                            let _ = hub.send(change);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "live updates: the listener stopped");
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_travels_as_two_ids() {
        let c = ThreadChanged {
            thread: ThreadId::from_uuid(uuid::Uuid::nil()),
            team: TeamId::from_uuid(uuid::Uuid::max()),
        };
        assert_eq!(ThreadChanged::decode(&c.encode()), Some(c));
        assert_eq!(ThreadChanged::decode("not ids"), None);
    }
}
