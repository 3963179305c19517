//! The client portal's store: invitations (a link with a random token; only its SHA-256 is kept), the
//! client users they make, and a client user's own company as the portal shows it.
//!
//! Rules, inside the transaction that changes the rows:
//! - an invitation is for a client in the inviter's scope, to an email no user has;
//! - a link works once, until it expires ([`INVITE_DAYS`]) or is withdrawn;
//! - accepting makes a user with the role `client` tied to the invitation's company, and nothing else.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::events::{self, Target};
use super::scope;
use crate::model::portal::{
    Invite, InviteInput, InviteState, InviteView, NewInvite, PortalAccess, PortalOverview, PortalUser, INVITE_DAYS,
};
use crate::model::report::ReportPeriod;
use crate::model::User;
use crate::policy::ClientScope;
use crate::validation::normalize_email;
use crate::DomainError;

/// The longest token accepted from a link (a real one is 43 characters).
const TOKEN_MAX: usize = 64;

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

type InviteRow = (
    Uuid,
    Uuid,
    String,
    String,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

const INVITE_COLUMNS: &str =
    "i.id, i.client_id, i.email, i.name, u.name, i.created_at, i.expires_at, i.accepted_at, i.revoked_at";

fn invite(r: InviteRow, now: DateTime<Utc>) -> Invite {
    Invite {
        id: r.0,
        client_id: r.1,
        email: r.2,
        name: r.3,
        invited_by: r.4,
        created_at: r.5,
        expires_at: r.6,
        state: InviteState::at(now, r.6, r.7.is_some(), r.8.is_some()),
    }
}

/// Invites `input` to the portal of client `client_id` (in `scope`). The answer carries the link's path,
/// the only place the token ever appears.
pub async fn invite_user(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    client_id: Uuid,
    input: &InviteInput,
) -> Result<NewInvite, DomainError> {
    input.validate().map_err(DomainError::Validation)?;
    let email = normalize_email(&input.email);
    let mut tx = pool.begin().await?;
    if !scope::includes_client(&mut tx, scope, client_id).await? {
        return Err(DomainError::NotFound);
    }
    let taken: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM users WHERE lower(email) = $1").bind(&email).fetch_optional(&mut *tx).await?;
    if taken.is_some() {
        return Err(DomainError::field("email", "a user with this email already exists"));
    }
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let id = Uuid::new_v4();
    let row: InviteRow = sqlx::query_as(&format!(
        "WITH i AS (
            INSERT INTO portal_invites (id, client_id, email, name, token_hash, invited_by, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7)) RETURNING *)
         SELECT {INVITE_COLUMNS} FROM i LEFT JOIN users u ON u.id = i.invited_by"
    ))
    .bind(id)
    .bind(client_id)
    .bind(&email)
    .bind(input.name.trim())
    .bind(hash(&token))
    .bind(actor)
    .bind(INVITE_DAYS as i32)
    .fetch_one(&mut *tx)
    .await?;
    events::record(
        &mut tx,
        Some(actor),
        "portal.invited",
        Target::client(client_id),
        json!({ "email": email, "invite_id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(NewInvite { invite: invite(row, Utc::now()), path: format!("/invite/{token}") })
}

/// The client's portal users and invitations (newest first), for the client's page.
pub async fn access(pool: &PgPool, scope: ClientScope, client_id: Uuid) -> Result<PortalAccess, DomainError> {
    if !scope::includes_client(&mut *pool.acquire().await?, scope, client_id).await? {
        return Err(DomainError::NotFound);
    }
    type UserRow = (Uuid, String, String, bool, Option<DateTime<Utc>>);
    let users: Vec<UserRow> = sqlx::query_as(
        "SELECT id, email, name, active, last_login_at FROM users WHERE client_id = $1 AND role = 'client'
          ORDER BY lower(name), id",
    )
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    let invites: Vec<InviteRow> = sqlx::query_as(&format!(
        "SELECT {INVITE_COLUMNS} FROM portal_invites i LEFT JOIN users u ON u.id = i.invited_by
          WHERE i.client_id = $1 ORDER BY i.created_at DESC LIMIT 50"
    ))
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    let now = Utc::now();
    Ok(PortalAccess {
        users: users
            .into_iter()
            .map(|(id, email, name, active, last_login_at)| PortalUser { id, email, name, active, last_login_at })
            .collect(),
        invites: invites.into_iter().map(|r| invite(r, now)).collect(),
    })
}

/// Withdraws an open invitation of a client in `scope`; returns its client.
pub async fn withdraw(pool: &PgPool, scope: ClientScope, actor: Uuid, invite_id: Uuid) -> Result<Uuid, DomainError> {
    let mut tx = pool.begin().await?;
    let row: Option<(Uuid, String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT client_id, email, accepted_at FROM portal_invites WHERE id = $1 FOR UPDATE")
            .bind(invite_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (client_id, email, accepted) = row.ok_or(DomainError::NotFound)?;
    if !scope::includes_client(&mut tx, scope, client_id).await? {
        return Err(DomainError::NotFound);
    }
    if accepted.is_some() {
        return Err(DomainError::Rule(
            "this invitation was already accepted: remove the person's access instead".into(),
        ));
    }
    sqlx::query("UPDATE portal_invites SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1")
        .bind(invite_id)
        .execute(&mut *tx)
        .await?;
    events::record(
        &mut tx,
        Some(actor),
        "portal.invite_withdrawn",
        Target::client(client_id),
        json!({ "email": email, "invite_id": invite_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(client_id)
}

/// Ends a client user's access (their sessions end at their next request); a client user of a client
/// outside `scope` is not found. Returns their client.
pub async fn remove_user(pool: &PgPool, scope: ClientScope, actor: Uuid, user_id: Uuid) -> Result<Uuid, DomainError> {
    let mut tx = pool.begin().await?;
    let row: Option<(Option<Uuid>, String)> =
        sqlx::query_as("SELECT client_id, email FROM users WHERE id = $1 AND role = 'client' FOR UPDATE")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (Some(client_id), email) = row.ok_or(DomainError::NotFound)? else {
        return Err(DomainError::NotFound);
    };
    if !scope::includes_client(&mut tx, scope, client_id).await? {
        return Err(DomainError::NotFound);
    }
    super::users::end_access(&mut tx, super::users::Whose::User(user_id)).await?;
    events::record(
        &mut tx,
        Some(actor),
        "portal.access_removed",
        Target::client(client_id),
        json!({ "email": email, "user_id": user_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(client_id)
}

/// Why a link doesn't work, in words for the person who opened it.
fn closed(state: InviteState) -> DomainError {
    DomainError::Rule(
        match state {
            InviteState::Accepted => "this invitation was already used: sign in with your email and password",
            InviteState::Expired => "this invitation has expired: ask your account manager for a new one",
            InviteState::Withdrawn | InviteState::Open => {
                "this invitation was withdrawn: ask your account manager for a new one"
            }
        }
        .into(),
    )
}

/// What the invitation page shows; an unknown token is not found, a used, expired or withdrawn one says so.
pub async fn open_invite(pool: &PgPool, token: &str) -> Result<InviteView, DomainError> {
    if token.is_empty() || token.len() > TOKEN_MAX {
        return Err(DomainError::NotFound);
    }
    type Row = (String, String, String, DateTime<Utc>, bool, bool);
    let row: Option<Row> = sqlx::query_as(
        "SELECT i.email, i.name, c.company_name, i.expires_at, i.accepted_at IS NOT NULL, i.revoked_at IS NOT NULL
           FROM portal_invites i JOIN clients c ON c.id = i.client_id WHERE i.token_hash = $1",
    )
    .bind(hash(token))
    .fetch_optional(pool)
    .await?;
    let (email, name, company_name, expires_at, accepted, revoked) = row.ok_or(DomainError::NotFound)?;
    match InviteState::at(Utc::now(), expires_at, accepted, revoked) {
        InviteState::Open => {
            let agency_name = super::reports::branding(pool).await?.name;
            Ok(InviteView { email, name, company_name, agency_name, expires_at })
        }
        state => Err(closed(state)),
    }
}

/// Accepts an invitation: makes the client user with the given name and password hash and closes the link,
/// in one transaction (a second use of the link, even at the same moment, finds it used).
pub async fn accept(pool: &PgPool, token: &str, name: &str, password_hash: &str) -> Result<User, DomainError> {
    if token.is_empty() || token.len() > TOKEN_MAX {
        return Err(DomainError::NotFound);
    }
    let mut tx = pool.begin().await?;
    let row: Option<(Uuid, Uuid, String, DateTime<Utc>, bool, bool)> = sqlx::query_as(
        "SELECT id, client_id, email, expires_at, accepted_at IS NOT NULL, revoked_at IS NOT NULL
           FROM portal_invites WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(hash(token))
    .fetch_optional(&mut *tx)
    .await?;
    let (invite_id, client_id, email, expires_at, accepted, revoked) = row.ok_or(DomainError::NotFound)?;
    match InviteState::at(Utc::now(), expires_at, accepted, revoked) {
        InviteState::Open => {}
        state => return Err(closed(state)),
    }
    let user_id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, name, role, client_id, password_hash, last_login_at)
         VALUES ($1, $2, $3, 'client', $4, $5, now())",
    )
    .bind(user_id)
    .bind(&email)
    .bind(name.trim())
    .bind(client_id)
    .bind(password_hash)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            return Err(DomainError::Rule(
                "an account with this email already exists: sign in with it, or ask your account manager".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    sqlx::query("UPDATE portal_invites SET accepted_at = now(), user_id = $2 WHERE id = $1")
        .bind(invite_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    events::record(
        &mut tx,
        Some(user_id),
        "portal.joined",
        Target::client(client_id),
        json!({ "email": email, "invite_id": invite_id }),
    )
    .await?;
    tx.commit().await?;
    super::users::get(pool, user_id).await
}

/// A client user's company as the portal's overview shows it: the last 30 days to `today` laid out as a
/// report, the completed audits and the account manager's name.
pub async fn overview(pool: &PgPool, client_id: Uuid, today: chrono::NaiveDate) -> Result<PortalOverview, DomainError> {
    let scope = ClientScope::Only(client_id);
    let period = ReportPeriod::parse("", &(today - Duration::days(29)).to_string(), &today.to_string(), today)
        .map_err(DomainError::Validation)?;
    let report = super::reports::client_report(pool, scope, client_id, period, None).await?;
    let mut audits = super::crawls::audit_summaries(pool, client_id, 12).await?;
    audits.reverse();
    let manager_name: Option<String> =
        sqlx::query_scalar("SELECT u.name FROM clients c JOIN users u ON u.id = c.account_manager_id WHERE c.id = $1")
            .bind(client_id)
            .fetch_optional(pool)
            .await?;
    Ok(PortalOverview { report, audits, manager_name })
}
