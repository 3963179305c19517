//! Who may do what. Every server function, stream, export and page route asks this module, on the server,
//! before it touches data; the UI asks it too, but only to hide what a role can't do.
//!
//! Deny by default: [`allowed`] lists, for each action, the roles that may perform it, and nothing else
//! passes. Anonymous callers may perform no action here (signing in is not an action on data).

use crate::model::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in caller, as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: Role,
}

/// Every action a caller can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// See their own profile and the pages every signed-in user has.
    ViewOwnAccount,
    ChangeOwnPassword,
    ListUsers,
    CreateUser,
    ChangeUserRole,
    DeactivateUser,
    ReactivateUser,
    ResetUserPassword,
    ViewAuditTrail,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::ViewOwnAccount,
        Action::ChangeOwnPassword,
        Action::ListUsers,
        Action::CreateUser,
        Action::ChangeUserRole,
        Action::DeactivateUser,
        Action::ReactivateUser,
        Action::ResetUserPassword,
        Action::ViewAuditTrail,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Denied {
    #[error("sign in to continue")]
    Unauthenticated,
    #[error("you don't have permission to do that")]
    Forbidden,
}

/// The roles that may perform `action`.
pub fn allowed(action: Action) -> &'static [Role] {
    use Action::*;
    match action {
        ViewOwnAccount | ChangeOwnPassword => &[Role::Admin, Role::AccountManager, Role::Staff],
        ListUsers | CreateUser | ChangeUserRole | DeactivateUser | ReactivateUser | ResetUserPassword
        | ViewAuditTrail => &[Role::Admin],
    }
}

/// Decides whether `actor` (None when nobody is signed in) may perform `action`.
pub fn authorize(actor: Option<&Actor>, action: Action) -> Result<(), Denied> {
    let actor = actor.ok_or(Denied::Unauthenticated)?;
    if allowed(action).contains(&actor.role) {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

/// Pages that need more than being signed in: the action a page's path requires.
/// `/login` is public; every other page needs a signed-in user ([`Action::ViewOwnAccount`]).
pub fn page_action(path: &str) -> Option<Action> {
    let path = path.trim_end_matches('/');
    if path == "/login" {
        return None;
    }
    if path == "/admin/audit" || path.starts_with("/admin/audit/") {
        return Some(Action::ViewAuditTrail);
    }
    if path == "/admin" || path.starts_with("/admin/") {
        return Some(Action::ListUsers);
    }
    Some(Action::ViewOwnAccount)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor { user_id: Uuid::nil(), role }
    }

    #[test]
    fn anonymous_is_refused_every_action() {
        for action in Action::ALL {
            assert_eq!(authorize(None, action), Err(Denied::Unauthenticated), "{action:?}");
        }
    }

    #[test]
    fn admin_may_do_everything() {
        for action in Action::ALL {
            assert_eq!(authorize(Some(&actor(Role::Admin)), action), Ok(()), "{action:?}");
        }
    }

    #[test]
    fn staff_and_account_managers_manage_only_their_own_account() {
        for role in [Role::Staff, Role::AccountManager] {
            for action in Action::ALL {
                let expected = match action {
                    Action::ViewOwnAccount | Action::ChangeOwnPassword => Ok(()),
                    _ => Err(Denied::Forbidden),
                };
                assert_eq!(authorize(Some(&actor(role)), action), expected, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn admin_pages_need_admin_actions() {
        assert_eq!(page_action("/login"), None);
        assert_eq!(page_action("/"), Some(Action::ViewOwnAccount));
        assert_eq!(page_action("/account"), Some(Action::ViewOwnAccount));
        assert_eq!(page_action("/admin/users"), Some(Action::ListUsers));
        assert_eq!(page_action("/admin/users/"), Some(Action::ListUsers));
        assert_eq!(page_action("/admin/audit"), Some(Action::ViewAuditTrail));
        assert_eq!(page_action("/administrator"), Some(Action::ViewOwnAccount));
    }
}
