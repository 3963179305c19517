//! Users: accounts, roles, activation, passwords.
//!
//! Rules enforced here, inside the transaction that changes the row:
//! - an email is unique case-insensitively (a duplicate is a field error on `email`);
//! - the last active admin can't be deactivated or demoted;
//! - deactivating a user or changing a password bumps `session_version`, which ends the user's other
//!   sessions at their next request.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::events;
use crate::model::{Role, User, UserFilter, UserStatus};
use crate::validation::{normalize_email, NewUser};
use crate::DomainError;

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: Uuid,
    email: String,
    name: String,
    role: String,
    client_id: Option<Uuid>,
    active: bool,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
}

impl UserRow {
    pub(super) fn into_user(self) -> Result<User, DomainError> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| DomainError::Internal(format!("unknown role {:?} in users table", self.role).into()))?;
        Ok(User {
            id: self.id,
            email: self.email,
            name: self.name,
            role,
            client_id: self.client_id,
            active: self.active,
            created_at: self.created_at,
            last_login_at: self.last_login_at,
        })
    }
}

pub(super) const USER_COLUMNS: &str = "id, email, name, role, client_id, active, created_at, last_login_at";

/// What sign-in needs: the user, their hash and the session version to stamp on the session.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub session_version: i32,
}

pub async fn find_credentials(pool: &PgPool, email: &str) -> Result<Option<Credentials>, DomainError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
        session_version: i32,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS}, password_hash, session_version FROM users WHERE lower(email) = $1"
    ))
    .bind(normalize_email(email))
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Credentials {
            user: r.user.into_user()?,
            password_hash: r.password_hash,
            session_version: r.session_version,
        })
    })
    .transpose()
}

/// What a request learns about its caller in one query.
pub struct SessionUser {
    pub user: User,
    /// The version the user's sessions must carry.
    pub session_version: i32,
    /// The clients data version at this moment (`data_versions`), read in the same round trip so the
    /// client list index needn't read it again for this request.
    pub clients_version: i64,
}

/// The user behind a session.
pub async fn session_user(pool: &PgPool, id: Uuid) -> Result<Option<SessionUser>, DomainError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        session_version: i32,
        clients_version: i64,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS}, session_version,
                (SELECT version FROM data_versions WHERE name = 'clients') AS clients_version
           FROM users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SessionUser {
            user: r.user.into_user()?,
            session_version: r.session_version,
            clients_version: r.clients_version,
        })
    })
    .transpose()
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<User, DomainError> {
    let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.ok_or(DomainError::NotFound)?.into_user()
}

pub async fn count(pool: &PgPool) -> Result<i64, DomainError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(pool).await?)
}

pub async fn list(pool: &PgPool, filter: &UserFilter) -> Result<Vec<User>, DomainError> {
    let active: Option<bool> = match filter.status {
        UserStatus::Any => None,
        UserStatus::Active => Some(true),
        UserStatus::Inactive => Some(false),
    };
    let rows: Vec<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users
          WHERE ($1::text IS NULL OR role = $1) AND ($2::boolean IS NULL OR active = $2)
          ORDER BY lower(name), email"
    ))
    .bind(filter.role.map(Role::as_str))
    .bind(active)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(UserRow::into_user).collect()
}

/// Creates a user from validated input and a ready hash; `actor` is None for the bootstrap admin.
pub async fn create(
    pool: &PgPool,
    actor: Option<Uuid>,
    input: &NewUser,
    password_hash: &str,
) -> Result<User, DomainError> {
    input.validate().map_err(DomainError::Validation)?;
    let role = Role::parse(&input.role).ok_or_else(|| DomainError::field("role", "unknown role"))?;
    let mut tx = pool.begin().await?;
    let row: Result<UserRow, sqlx::Error> = sqlx::query_as(&format!(
        "INSERT INTO users (id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
         RETURNING {USER_COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(normalize_email(&input.email))
    .bind(input.name.trim())
    .bind(role.as_str())
    .bind(password_hash)
    .fetch_one(&mut *tx)
    .await;
    let user = match row {
        Ok(row) => row.into_user()?,
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            return Err(DomainError::field("email", "a user with this email already exists"));
        }
        Err(e) => return Err(e.into()),
    };
    events::record(
        &mut tx,
        actor,
        "user.created",
        events::Target::user(user.id),
        json!({ "email": user.email, "name": user.name, "role": user.role }),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Locks the target row and the set of active admins, so two concurrent demotions can't both pass the
/// last-admin check. Returns the target.
async fn lock_for_admin_change(conn: &mut PgConnection, id: Uuid) -> Result<(User, i64), DomainError> {
    let admins: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND active FOR UPDATE")
        .fetch_all(&mut *conn)
        .await?;
    let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok((row.ok_or(DomainError::NotFound)?.into_user()?, admins.len() as i64))
}

fn is_last_active_admin(user: &User, active_admins: i64) -> bool {
    user.role == Role::Admin && user.active && active_admins <= 1
}

pub async fn change_role(pool: &PgPool, actor: Uuid, id: Uuid, role: Role) -> Result<User, DomainError> {
    let mut tx = pool.begin().await?;
    let (user, admins) = lock_for_admin_change(&mut tx, id).await?;
    if user.role == role {
        return Ok(user);
    }
    if role == Role::Client || user.role == Role::Client {
        return Err(DomainError::field(
            "role",
            "a client user's role can't change, nor an agency user become one: invite client users from their client's page",
        ));
    }
    if role != Role::Admin && is_last_active_admin(&user, admins) {
        return Err(DomainError::Rule(
            "this is the last active admin: make another user admin before changing this role".into(),
        ));
    }
    sqlx::query("UPDATE users SET role = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?;
    events::record(
        &mut tx,
        Some(actor),
        "user.role_changed",
        events::Target::user(id),
        json!({ "email": user.email, "from": user.role, "to": role }),
    )
    .await?;
    tx.commit().await?;
    Ok(User { role, ..user })
}

pub async fn set_active(pool: &PgPool, actor: Uuid, id: Uuid, active: bool) -> Result<User, DomainError> {
    let mut tx = pool.begin().await?;
    let (user, admins) = lock_for_admin_change(&mut tx, id).await?;
    if user.active == active {
        return Ok(user);
    }
    if !active && is_last_active_admin(&user, admins) {
        return Err(DomainError::Rule("this is the last active admin and can't be deactivated".into()));
    }
    sqlx::query(
        "UPDATE users SET active = $2, updated_at = now(),
                session_version = session_version + CASE WHEN $2 THEN 0 ELSE 1 END
          WHERE id = $1",
    )
    .bind(id)
    .bind(active)
    .execute(&mut *tx)
    .await?;
    let action = if active { "user.reactivated" } else { "user.deactivated" };
    events::record(&mut tx, Some(actor), action, events::Target::user(id), json!({ "email": user.email })).await?;
    tx.commit().await?;
    Ok(User { active, ..user })
}

/// Whose access [`end_access`] ends.
pub(super) enum Whose {
    User(Uuid),
    /// Every person of a client company (its portal users).
    ClientsPeople(Uuid),
}

/// Deactivates active users and bumps their session version, so their sessions end at their next request;
/// in the caller's transaction. Returns how many lost access.
pub(super) async fn end_access(conn: &mut PgConnection, whose: Whose) -> Result<u64, DomainError> {
    let (column, id) = match whose {
        Whose::User(id) => ("id", id),
        Whose::ClientsPeople(id) => ("client_id", id),
    };
    let done = sqlx::query(&format!(
        "UPDATE users SET active = false, session_version = session_version + 1, updated_at = now()
          WHERE {column} = $1 AND active"
    ))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Stores a new hash and ends the user's other sessions. Returns the new session version, which the
/// caller stamps on its own session when the user changed their own password.
pub async fn set_password(
    pool: &PgPool,
    actor: Uuid,
    id: Uuid,
    password_hash: &str,
    event_action: &str,
) -> Result<i32, DomainError> {
    let mut tx = pool.begin().await?;
    let version: Option<(i32, String)> = sqlx::query_as(
        "UPDATE users SET password_hash = $2, session_version = session_version + 1, updated_at = now()
          WHERE id = $1 RETURNING session_version, email",
    )
    .bind(id)
    .bind(password_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let (version, email) = version.ok_or(DomainError::NotFound)?;
    events::record(&mut tx, Some(actor), event_action, events::Target::user(id), json!({ "email": email })).await?;
    tx.commit().await?;
    Ok(version)
}

pub async fn password_hash(pool: &PgPool, id: Uuid) -> Result<String, DomainError> {
    let hash: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(id).fetch_optional(pool).await?;
    hash.ok_or(DomainError::NotFound)
}

/// Records a sign-in or sign-out in the activity log (and the last sign-in time).
pub async fn record_session_event(
    pool: &PgPool,
    id: Uuid,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), DomainError> {
    let mut tx = pool.begin().await?;
    if action == "user.signed_in" {
        sqlx::query("UPDATE users SET last_login_at = now() WHERE id = $1").bind(id).execute(&mut *tx).await?;
    }
    events::record(&mut tx, Some(id), action, events::Target::user(id), detail).await?;
    tx.commit().await?;
    Ok(())
}
