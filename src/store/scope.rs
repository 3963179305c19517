//! The portfolio rule in SQL, written once: an account manager reaches only the clients they manage and
//! everything under them (campaigns, tasks, crawls); a client user only their own company; admins and
//! staff reach every client
//! ([`ClientScope`], decided by `policy::client_scope`). Every scoped query in the store and the task engine
//! adds the rule with [`push`]; task lists add it with [`push_tasks`], which also lets a manager see the
//! tasks they started that have no client (their pipeline reviews).

use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::policy::ClientScope;

/// Appends ` AND <clients>.account_manager_id = $n` for [`ClientScope::ManagedBy`], nothing for
/// [`ClientScope::All`]. `clients` is the alias the query gives the `clients` table; the query must have
/// its `WHERE` already.
pub(crate) fn push(b: &mut QueryBuilder<'_, Postgres>, scope: ClientScope, clients: &str) {
    match scope {
        ClientScope::All => {}
        ClientScope::ManagedBy(me) => {
            b.push(" AND ");
            managed_by(b, clients, me);
        }
        ClientScope::Only(id) => {
            b.push(format_args!(" AND {clients}.id = ")).push_bind(id);
        }
    }
}

/// Starts the query's `WHERE` clause with the rule of [`push`] (for queries that may add more conditions).
pub(crate) fn push_where(b: &mut QueryBuilder<'_, Postgres>, scope: ClientScope, clients: &str) {
    b.push(" WHERE TRUE");
    push(b, scope, clients);
}

/// [`push`] for a query over `tasks` (alias `tasks`) that left-joins their client as `clients`: a manager
/// also sees the tasks without a client that `actor` started.
pub(crate) fn push_tasks(
    b: &mut QueryBuilder<'_, Postgres>,
    scope: ClientScope,
    actor: Uuid,
    tasks: &str,
    clients: &str,
) {
    match scope {
        ClientScope::ManagedBy(me) => {
            b.push(" AND (");
            managed_by(b, clients, me);
            b.push(format_args!(" OR ({tasks}.client_id IS NULL AND {tasks}.created_by = "));
            b.push_bind(actor).push("))");
        }
        // A client user's company's tasks only: never one without a client.
        ClientScope::Only(_) => push(b, scope, clients),
        ClientScope::All => {}
    }
}

/// Whether client `client_id` exists and lies in `scope` (the check before a write on it, or before a
/// read that would otherwise say nothing about the client).
pub(crate) async fn includes_client(
    conn: &mut sqlx::PgConnection,
    scope: ClientScope,
    client_id: Uuid,
) -> Result<bool, crate::DomainError> {
    let mut b = QueryBuilder::<Postgres>::new("SELECT 1 FROM clients c WHERE c.id = ");
    b.push_bind(client_id);
    push(&mut b, scope, "c");
    Ok(b.build().fetch_optional(&mut *conn).await?.is_some())
}

/// The rule itself: the client's account manager is `me`.
fn managed_by(b: &mut QueryBuilder<'_, Postgres>, clients: &str, me: Uuid) {
    b.push(format_args!("{clients}.account_manager_id = ")).push_bind(me);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(f: impl FnOnce(&mut QueryBuilder<'_, Postgres>)) -> String {
        let mut b = QueryBuilder::new("SELECT 1 FROM clients c WHERE TRUE");
        f(&mut b);
        b.sql().to_string()
    }

    #[test]
    fn a_manager_is_limited_to_their_clients_and_staff_are_not_limited() {
        let me = Uuid::new_v4();
        assert_eq!(sql(|b| push(b, ClientScope::All, "c")), "SELECT 1 FROM clients c WHERE TRUE");
        assert_eq!(
            sql(|b| push(b, ClientScope::ManagedBy(me), "c")),
            "SELECT 1 FROM clients c WHERE TRUE AND c.account_manager_id = $1"
        );
        assert_eq!(sql(|b| push_tasks(b, ClientScope::All, me, "t", "c")), "SELECT 1 FROM clients c WHERE TRUE");
        assert_eq!(
            sql(|b| push_tasks(b, ClientScope::ManagedBy(me), me, "t", "c")),
            "SELECT 1 FROM clients c WHERE TRUE AND (c.account_manager_id = $1 OR (t.client_id IS NULL AND t.created_by = $2))"
        );
        assert_eq!(sql(|b| push(b, ClientScope::Only(me), "c")), "SELECT 1 FROM clients c WHERE TRUE AND c.id = $1");
        assert_eq!(
            sql(|b| push_tasks(b, ClientScope::Only(me), me, "t", "c")),
            "SELECT 1 FROM clients c WHERE TRUE AND c.id = $1"
        );
    }
}
