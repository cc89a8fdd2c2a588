//! The audit chain's reads on SQLite through rusqlite, on a read-only connection of their own:
//! reading many rows through it costs a fraction of what the async driver's per-value
//! conversions do. Used by the sealer (a page at a time) and by `portico audit verify`.

use super::{ChainEvent, EVENT_COLS, Tampered, Verified, Verifier, hash32};
use crate::StoreError;

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("audit chain: {e}")))
}

fn open(path: &std::path::Path) -> Result<rusqlite::Connection, StoreError> {
    rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(db)
}

/// The event in columns `EVENT_COLS` of `r`.
fn event(r: &rusqlite::Row<'_>) -> Result<ChainEvent, StoreError> {
    let mut fields: [Option<String>; 11] = Default::default();
    for (i, slot) in fields.iter_mut().enumerate() {
        *slot = r.get(i + 2).map_err(db)?;
    }
    Ok(ChainEvent { seq: r.get(0).map_err(db)?, at: r.get(1).map_err(db)?, fields })
}

/// Up to `limit` events after sequence number `after`, in order.
pub(super) fn events_after(path: &std::path::Path, after: i64, limit: i64) -> Result<Vec<ChainEvent>, StoreError> {
    let conn = open(path)?;
    let mut stmt = conn
        .prepare(&format!("SELECT {EVENT_COLS} FROM audit_events e WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2"))
        .map_err(db)?;
    let mut rows = stmt.query([after, limit]).map_err(db)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db)? {
        out.push(event(r)?);
    }
    Ok(out)
}

/// [`crate::Store::verify_audit`]'s walk over the whole log.
pub(super) fn verify(
    path: &std::path::Path,
    checkpoints: Vec<(i64, i64, String)>,
    mut progress: impl FnMut(u64, u64),
) -> Result<Result<Verified, Tampered>, StoreError> {
    let conn = open(path)?;
    let total: i64 = conn.query_row("SELECT COUNT(*) FROM audit_events", [], |r| r.get(0)).map_err(db)?;
    let total = u64::try_from(total).unwrap_or(0);
    let mut verifier = Verifier::new(checkpoints);
    let mut stmt = conn
        .prepare(&format!("SELECT {EVENT_COLS}, c.position, c.hash FROM audit_events e LEFT JOIN audit_chain c ON c.seq = e.seq ORDER BY e.seq"))
        .map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    let (mut done, mut bytes) = (0u64, Vec::with_capacity(512));
    while let Some(r) = rows.next().map_err(db)? {
        // The canonical bytes straight from the row: no string per field.
        let seq: i64 = r.get(0).map_err(db)?;
        bytes.clear();
        super::canonical_head(&mut bytes, seq, r.get(1).map_err(db)?);
        for i in 2..13 {
            super::canonical_field(&mut bytes, text(r, i)?);
        }
        let stored = match r.get::<_, Option<i64>>(13).map_err(db)? {
            Some(p) => Some((p, hash32(r.get(14).map_err(db)?)?)),
            None => None,
        };
        let concerns = stored.is_some() && text(r, 5)?.is_some();
        verifier.push_canonical(seq, &bytes, stored);
        if concerns {
            verifier.concerns_patient();
        }
        done += 1;
        if done.is_multiple_of(50_000) {
            progress(done, total);
        }
        if verifier.failed() {
            break;
        }
    }
    progress(done, total);
    // A chain row whose event is gone: every chain row was matched unless they outnumber the
    // events linked. The anti-join that names it runs only when something is wrong, and its
    // finding comes first, as on PostgreSQL.
    let chain_rows: i64 = conn.query_row("SELECT COUNT(*) FROM audit_chain", [], |r| r.get(0)).map_err(db)?;
    if verifier.failed() || u64::try_from(chain_rows).unwrap_or(0) != verifier.sealed() {
        let orphan = first_seq(
            &conn,
            "SELECT c.seq FROM audit_chain c LEFT JOIN audit_events e ON e.seq = c.seq WHERE e.seq IS NULL ORDER BY c.seq LIMIT 1",
        )?;
        if let Some(seq) = orphan {
            verifier.orphan_chain_row(seq);
        }
    }
    if !verifier.failed() {
        check_patient_index(&conn, &mut verifier)?;
    }
    Ok(verifier.finish())
}

/// Holds the patient index against the sealed events the walk counted.
fn check_patient_index(conn: &rusqlite::Connection, verifier: &mut Verifier) -> Result<(), StoreError> {
    let rows: i64 = conn.query_row(super::INDEX_ROWS, [], |r| r.get(0)).map_err(db)?;
    if u64::try_from(rows).unwrap_or(0) == verifier.about_patients() {
        return Ok(());
    }
    verifier.patient_index_finding(first_seq(conn, super::INDEX_MISSING)?, first_seq(conn, super::INDEX_PLANTED)?);
    Ok(())
}

/// The sequence number `sql` selects, if it selects a row.
fn first_seq(conn: &rusqlite::Connection, sql: &str) -> Result<Option<i64>, StoreError> {
    conn.query_row(sql, [], |r| r.get(0))
        .map(Some)
        .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
        .map_err(db)
}

/// Column `i` of `r` as the bytes of a text, or `None` for NULL.
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> Result<Option<&'r [u8]>, StoreError> {
    match r.get_ref(i).map_err(db)? {
        rusqlite::types::ValueRef::Text(t) => Ok(Some(t)),
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => Err(StoreError::Integrity("audit event field is not text")),
    }
}
