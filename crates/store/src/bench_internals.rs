//! Measurement hooks for the benchmarks (feature `bench-internals`, never in the product):
//! the send unit of work with and without its audit events, and bulk audit appends.

use portico_domain::audit::AuditRecord;
use portico_domain::{PatientId, ThreadId, Timestamp};

use crate::messaging::{NewMessage, PostJob};
use crate::{Store, StoreError};

impl Store {
    /// Writes the sends as one group-commit transaction; `with_audit: false` leaves out their
    /// audit events so a benchmark can price them.
    pub async fn bench_write_sends(
        &self,
        sends: &[(ThreadId, PatientId, NewMessage, Timestamp, AuditRecord)],
        with_audit: bool,
    ) -> Result<(), StoreError> {
        let jobs: Vec<PostJob> = sends
            .iter()
            .map(|(t, p, m, at, a)| PostJob {
                thread: *t,
                patient: *p,
                msg: m.clone(),
                at: *at,
                audit: a.clone(),
                window_ms: self.notify_window_ms,
            })
            .collect();
        let refs: Vec<&PostJob> = jobs.iter().collect();
        let mut tx = self.begin_write().await?;
        for r in crate::batch::apply_posts(&mut tx, &self.keys, &refs, with_audit).await? {
            r?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Appends audit events in one transaction (to build large logs for benchmarks).
    pub async fn bench_append_audit(&self, events: &[(Timestamp, AuditRecord)]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        crate::audit::insert_many(&mut tx, events).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues `n` notifications per channel for one patient's thread, due now, each in its own
    /// coalescing window (for the delivery benchmark).
    pub async fn bench_enqueue(
        &self,
        patient: portico_domain::PatientId,
        thread: portico_domain::ThreadId,
        n: usize,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let window = crate::notifications::COALESCE_WINDOW_MS;
        let items: Vec<crate::notifications::Announce> = (0..n)
            .map(|k| crate::notifications::Announce {
                patient,
                thread,
                message: portico_domain::MessageId::generate(now),
                due: Timestamp::from_unix_millis(now.unix_millis() - (k as i64 + 1) * window),
                at: now,
                kind: "new_message",
                window_ms: window,
            })
            .collect();
        crate::notifications::enqueue(&mut tx, &items).await?;
        tx.commit().await?;
        Ok(())
    }
}
