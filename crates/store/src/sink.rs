//! Statements written once and run on either driver: sqlx's `AnyConnection` (PostgreSQL, and
//! SQLite everywhere but the send path), or a plain rusqlite connection that the SQLite
//! group-commit writer owns. On that path a statement through sqlx is a round trip between the
//! writer task and sqlx's SQLite thread, and under load each trip waits to be scheduled; through
//! rusqlite the whole batch runs on one thread, back to back.

use sqlx::{AnyConnection, Row, ValueRef};

use crate::StoreError;
use crate::batch::Params;

/// A value bound to a statement. Nulls are typed: PostgreSQL refuses a text null in a bigint
/// column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Val {
    Int(Option<i64>),
    Text(Option<String>),
    Blob(Vec<u8>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}

impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}

impl From<String> for Val {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}

impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}

impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}

impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Self {
        Self::Blob(v)
    }
}

impl Val {
    /// The text in this value, if it is text.
    pub(crate) fn text(&self) -> Result<&str, StoreError> {
        match self {
            Self::Text(Some(s)) => Ok(s),
            _ => Err(StoreError::Integrity("expected a text column")),
        }
    }

    /// The integer in this value, if it is one.
    pub(crate) fn int(&self) -> Result<i64, StoreError> {
        match self {
            Self::Int(Some(i)) => Ok(*i),
            _ => Err(StoreError::Integrity("expected an integer column")),
        }
    }

    /// The bytes in this value, if it is a blob.
    pub(crate) fn blob(&self) -> Result<&[u8], StoreError> {
        match self {
            Self::Blob(b) => Ok(b),
            _ => Err(StoreError::Integrity("expected a blob column")),
        }
    }
}

/// SQL and its values, in order.
#[derive(Debug)]
pub(crate) struct Stmt {
    sql: String,
    vals: Vec<Val>,
}

impl Stmt {
    pub(crate) fn new(sql: String) -> Self {
        Self { sql, vals: Vec::new() }
    }

    /// Its text and values.
    #[cfg(test)]
    pub(crate) fn parts(&self) -> (&str, &[Val]) {
        (&self.sql, &self.vals)
    }

    /// Binds the next parameter in place.
    pub(crate) fn push(&mut self, v: impl Into<Val>) {
        self.vals.push(v.into());
    }
}

/// Somewhere statements run: a connection inside a transaction the caller manages.
pub(crate) trait Sink {
    /// How this backend's wide statements name their parameters.
    fn params(&self) -> Params;
    /// Runs a statement that returns no rows; the number of rows it changed.
    async fn execute(&mut self, stmt: Stmt) -> Result<u64, StoreError>;
    /// Runs a query; its rows, each value in column order.
    async fn fetch(&mut self, stmt: Stmt) -> Result<Vec<Vec<Val>>, StoreError>;
    /// Runs statements that return no rows and do not depend on each other's effects, in this
    /// order or as one statement.
    async fn execute_all(&mut self, stmts: Vec<Stmt>) -> Result<(), StoreError> {
        for stmt in stmts {
            self.execute(stmt).await?;
        }
        Ok(())
    }
}

/// Statements as one PostgreSQL statement: each but the last becomes a data-modifying `WITH`
/// query of the last, their `$n` parameters renumbered. One round trip instead of one each;
/// they all see the database as it was before the statement, and the constraints are checked
/// once it has run.
pub(crate) fn as_one_statement(stmts: Vec<Stmt>) -> Stmt {
    let mut sql = String::new();
    let mut vals = Vec::new();
    let last = stmts.len().saturating_sub(1);
    for (i, stmt) in stmts.into_iter().enumerate() {
        let body = shift_params(&stmt.sql, vals.len());
        if i == last {
            sql.push_str(&body);
        } else {
            sql.push_str(if i == 0 { "WITH " } else { ", " });
            sql.push_str(&format!("s{i} AS ({body})"));
            if i + 1 == last {
                sql.push(' ');
            }
        }
        vals.extend(stmt.vals);
    }
    Stmt { sql, vals }
}

/// `sql` with every parameter `$n` numbered `$(n + by)`.
fn shift_params(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + sql.len() / 8);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// `q` with every value of `vals` bound in order.
pub(crate) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    vals: Vec<Val>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for v in vals {
        q = match v {
            Val::Int(i) => q.bind(i),
            Val::Text(s) => q.bind(s),
            Val::Blob(b) => q.bind(b),
        };
    }
    q
}

impl Sink for AnyConnection {
    fn params(&self) -> Params {
        Params::of(self)
    }

    async fn execute(&mut self, stmt: Stmt) -> Result<u64, StoreError> {
        let q = bind_all(sqlx::query(sqlx::AssertSqlSafe(stmt.sql)), stmt.vals);
        Ok(q.execute(&mut *self).await?.rows_affected())
    }

    async fn execute_all(&mut self, stmts: Vec<Stmt>) -> Result<(), StoreError> {
        if self.params() == Params::Postgres && stmts.len() > 1 {
            self.execute(as_one_statement(stmts)).await?;
            return Ok(());
        }
        for stmt in stmts {
            self.execute(stmt).await?;
        }
        Ok(())
    }

    async fn fetch(&mut self, stmt: Stmt) -> Result<Vec<Vec<Val>>, StoreError> {
        let q = bind_all(sqlx::query(sqlx::AssertSqlSafe(stmt.sql)), stmt.vals);
        let mut out = Vec::new();
        for r in q.fetch_all(&mut *self).await? {
            let mut row = Vec::with_capacity(r.len());
            for i in 0..r.len() {
                let raw = r.try_get_raw(i)?;
                let null = raw.is_null();
                let kind = raw.type_info().kind();
                use sqlx::any::AnyTypeInfoKind as K;
                row.push(match kind {
                    _ if null => Val::Text(None),
                    K::SmallInt | K::Integer | K::BigInt | K::Bool => Val::Int(Some(r.try_get(i)?)),
                    K::Blob => Val::Blob(r.try_get(i)?),
                    _ => Val::Text(Some(r.try_get(i)?)),
                });
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// A rusqlite connection with a transaction open (the SQLite group-commit writer's).
pub(crate) struct SyncSqlite<'c>(pub(crate) &'c rusqlite::Connection);

/// A rusqlite failure (the caller rolls back, and the send path retries job by job through sqlx,
/// which names what clashed).
pub(crate) fn sqlite_err(e: rusqlite::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("sqlite: {e}")))
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as R};
        Ok(ToSqlOutput::Borrowed(match self {
            Self::Int(Some(i)) => R::Integer(*i),
            Self::Text(Some(s)) => R::Text(s.as_bytes()),
            Self::Blob(b) => R::Blob(b),
            Self::Int(None) | Self::Text(None) => R::Null,
        }))
    }
}

impl Sink for SyncSqlite<'_> {
    fn params(&self) -> Params {
        Params::Anonymous
    }

    async fn execute(&mut self, stmt: Stmt) -> Result<u64, StoreError> {
        let mut s = self.0.prepare_cached(&stmt.sql).map_err(sqlite_err)?;
        let n = s.execute(rusqlite::params_from_iter(&stmt.vals)).map_err(sqlite_err)?;
        Ok(n as u64)
    }

    async fn fetch(&mut self, stmt: Stmt) -> Result<Vec<Vec<Val>>, StoreError> {
        use rusqlite::types::ValueRef as R;
        let mut s = self.0.prepare_cached(&stmt.sql).map_err(sqlite_err)?;
        let cols = s.column_count();
        let mut rows = s.query(rusqlite::params_from_iter(&stmt.vals)).map_err(sqlite_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(sqlite_err)? {
            let mut row = Vec::with_capacity(cols);
            for i in 0..cols {
                row.push(match r.get_ref(i).map_err(sqlite_err)? {
                    R::Null => Val::Text(None),
                    R::Integer(v) => Val::Int(Some(v)),
                    R::Real(_) => return Err(StoreError::Integrity("unexpected real column")),
                    R::Text(t) => Val::Text(Some(String::from_utf8_lossy(t).into_owned())),
                    R::Blob(b) => Val::Blob(b.to_vec()),
                });
            }
            out.push(row);
        }
        Ok(out)
    }
}

impl Sink for sqlx::Transaction<'_, sqlx::Any> {
    fn params(&self) -> Params {
        Params::of(self)
    }

    async fn execute(&mut self, stmt: Stmt) -> Result<u64, StoreError> {
        (**self).execute(stmt).await
    }

    async fn fetch(&mut self, stmt: Stmt) -> Result<Vec<Vec<Val>>, StoreError> {
        (**self).fetch(stmt).await
    }

    async fn execute_all(&mut self, stmts: Vec<Stmt>) -> Result<(), StoreError> {
        (**self).execute_all(stmts).await
    }
}
