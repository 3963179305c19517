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
    /// A client user's company (None for the agency's roles).
    #[serde(default)]
    pub client_id: Option<Uuid>,
}

impl Actor {
    pub fn of(user: &crate::model::User) -> Actor {
        Actor { user_id: user.id, role: user.role, client_id: user.client_id }
    }
}

/// Every action a caller can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// See their own profile and the pages every signed-in user has.
    ViewOwnAccount,
    /// The dashboard and analytics; account managers see their portfolio's figures only.
    ViewDashboard,
    /// The server's own figures on the analytics page: uptime, CPU, memory, pools, streams, queue.
    ViewSystemFigures,
    ChangeOwnPassword,
    ListUsers,
    CreateUser,
    ChangeUserRole,
    DeactivateUser,
    ReactivateUser,
    ResetUserPassword,
    ViewActivityLog,
    /// Lists, detail pages, statistics and the account-manager list; account managers see their portfolio only.
    ListClients,
    CreateClient,
    EditClient,
    DeleteClient,
    /// Give a client an account manager, or take it away.
    AssignClient,
    ExportClients,
    ViewPortfolio,
    CreateCampaign,
    EditCampaign,
    ChangeCampaignStatus,
    DeleteCampaign,
    ExportCampaigns,
    /// The task list and task pages; account managers see tasks on their portfolio and their own.
    ListTasks,
    /// Run an agent task on a client or campaign in the caller's scope.
    RunAgentTask,
    CancelTask,
    /// The agents page: what each agent does, its health and recent tasks.
    ViewAgents,
    /// Enable or disable an agent.
    ConfigureAgents,
    /// A client's crawls, audit pages, issues and page explorer (portfolio-scoped for account managers).
    ViewAudits,
    /// Download a crawl's issues and pages as CSV or JSON.
    ExportAudits,
    /// Set or remove a client's recurring audit.
    ScheduleAudits,
    /// Webhook endpoints: add, change, rotate secrets, read the delivery log, redeliver and replay.
    ManageWebhooks,
    /// Make, list and revoke one's own API tokens.
    ManageOwnTokens,
    /// A client's report for a period, on the web and as a PDF (portfolio-scoped for account managers).
    ViewReports,
    /// The agency's name, logo and accent colour on reports.
    ManageBranding,
    /// Set a client's report email schedule and recipients, send a report now, send a failed one again
    /// (account managers for their portfolio). Staff see deliveries (`ViewReports`) but send nothing to
    /// clients.
    ScheduleReports,
    /// The client portal: a client user's own company's overview, reports (web and PDF), audit summaries,
    /// campaign status and the conversation with the agency. Always the caller's own company.
    UsePortal,
    /// Write to the agency from the portal.
    WriteToAgency,
    /// Invite a client's people to the portal and withdraw their access (account managers for their
    /// portfolio).
    InviteClientUsers,
    /// The messages inbox: read clients' messages, have a reply drafted, answer (account managers for their
    /// portfolio).
    AnswerMessages,
}

impl Action {
    pub const ALL: [Action; 40] = [
        Action::ViewOwnAccount,
        Action::ViewDashboard,
        Action::ViewSystemFigures,
        Action::ChangeOwnPassword,
        Action::ListUsers,
        Action::CreateUser,
        Action::ChangeUserRole,
        Action::DeactivateUser,
        Action::ReactivateUser,
        Action::ResetUserPassword,
        Action::ViewActivityLog,
        Action::ListClients,
        Action::CreateClient,
        Action::EditClient,
        Action::DeleteClient,
        Action::AssignClient,
        Action::ExportClients,
        Action::ViewPortfolio,
        Action::CreateCampaign,
        Action::EditCampaign,
        Action::ChangeCampaignStatus,
        Action::DeleteCampaign,
        Action::ExportCampaigns,
        Action::ListTasks,
        Action::RunAgentTask,
        Action::CancelTask,
        Action::ViewAgents,
        Action::ConfigureAgents,
        Action::ViewAudits,
        Action::ExportAudits,
        Action::ScheduleAudits,
        Action::ManageWebhooks,
        Action::ManageOwnTokens,
        Action::ViewReports,
        Action::ManageBranding,
        Action::ScheduleReports,
        Action::UsePortal,
        Action::WriteToAgency,
        Action::InviteClientUsers,
        Action::AnswerMessages,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Denied {
    #[error("sign in to continue")]
    Unauthenticated,
    #[error("you don't have permission to do that")]
    Forbidden,
}

/// The roles that may perform `action`. Account managers' client and campaign actions are further limited
/// to their portfolio by [`client_scope`]. Client users have their own account and the portal, nothing of
/// the console.
pub fn allowed(action: Action) -> &'static [Role] {
    use Action::*;
    const EVERYONE: &[Role] = &[Role::Admin, Role::AccountManager, Role::Staff];
    match action {
        ViewOwnAccount | ChangeOwnPassword => &[Role::Admin, Role::AccountManager, Role::Staff, Role::Client],
        UsePortal | WriteToAgency => &[Role::Client],
        InviteClientUsers | AnswerMessages => &[Role::Admin, Role::AccountManager],
        ViewDashboard | ManageOwnTokens => EVERYONE,
        ListUsers | CreateUser | ChangeUserRole | DeactivateUser | ReactivateUser | ResetUserPassword
        | ViewActivityLog => &[Role::Admin],
        ListClients | EditClient | ExportClients | CreateCampaign | EditCampaign | ChangeCampaignStatus
        | DeleteCampaign | ExportCampaigns | ListTasks | RunAgentTask | CancelTask | ViewAgents | ViewAudits
        | ExportAudits | ScheduleAudits | ViewReports => EVERYONE,
        ConfigureAgents | ManageWebhooks | ManageBranding => &[Role::Admin],
        ViewSystemFigures => &[Role::Admin, Role::Staff],
        CreateClient | DeleteClient | AssignClient => &[Role::Admin, Role::Staff],
        ViewPortfolio => &[Role::AccountManager],
        ScheduleReports => &[Role::Admin, Role::AccountManager],
    }
}

/// Which clients (and everything under them) an actor sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientScope {
    All,
    /// Only clients whose account manager is this user.
    ManagedBy(Uuid),
    /// Only this client (a client user's own company).
    Only(Uuid),
}

/// Account managers see their portfolio; admins and staff see every client; a client user their own
/// company, and nothing when they have none (a deleted company: the nil id matches no client).
pub fn client_scope(actor: &Actor) -> ClientScope {
    match actor.role {
        Role::AccountManager => ClientScope::ManagedBy(actor.user_id),
        Role::Admin | Role::Staff => ClientScope::All,
        Role::Client => ClientScope::Only(actor.client_id.unwrap_or(Uuid::nil())),
    }
}

impl ClientScope {
    /// True when client `client` managed by `manager` is inside this scope.
    pub fn includes(self, client: Uuid, manager: Option<Uuid>) -> bool {
        match self {
            ClientScope::All => true,
            ClientScope::ManagedBy(me) => manager == Some(me),
            ClientScope::Only(id) => client == id,
        }
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
    if path == "/login" || path.starts_with("/invite/") {
        return None;
    }
    if path == "/portal" || path.starts_with("/portal/") {
        return Some(Action::UsePortal);
    }
    if path == "/messages" || path.starts_with("/messages/") {
        return Some(Action::AnswerMessages);
    }
    if path.is_empty() || path == "/analytics" {
        return Some(Action::ViewDashboard);
    }
    if path == "/admin/activity" || path.starts_with("/admin/activity/") {
        return Some(Action::ViewActivityLog);
    }
    if path == "/admin/webhooks" || path.starts_with("/admin/webhooks/") {
        return Some(Action::ManageWebhooks);
    }
    if path == "/admin/branding" || path == "/admin/report-templates" || path.starts_with("/admin/report-templates/") {
        return Some(Action::ManageBranding);
    }
    if path == "/admin" || path.starts_with("/admin/") {
        return Some(Action::ListUsers);
    }
    if path == "/clients/new" {
        return Some(Action::CreateClient);
    }
    if path == "/portfolio" {
        return Some(Action::ViewPortfolio);
    }
    if path == "/tasks/new" {
        return Some(Action::RunAgentTask);
    }
    if path == "/tasks" || path.starts_with("/tasks/") {
        return Some(Action::ListTasks);
    }
    if path == "/agents" || path.starts_with("/agents/") {
        return Some(Action::ViewAgents);
    }
    if path == "/audits"
        || path.starts_with("/audits/")
        || (path.starts_with("/clients/") && (path.ends_with("/audits") || path.ends_with("/audits/compare")))
    {
        return Some(Action::ViewAudits);
    }
    if path == "/reports/deliveries" || (path.starts_with("/clients/") && path.ends_with("/report-emails")) {
        return Some(Action::ViewReports);
    }
    if path.starts_with("/clients/") && path.ends_with("/report") {
        return Some(Action::ViewReports);
    }
    if path.starts_with("/clients") || path.starts_with("/campaigns") {
        return Some(Action::ListClients);
    }
    Some(Action::ViewOwnAccount)
}

/// Who receives an event on the live stream, the same rule as every list and page:
/// - user administration (`user.*`: sign-ins, changes to users) and webhook endpoints (`webhook.*`) reach
///   admins only, as the pages they come from;
/// - admins and staff receive every other event;
/// - an account manager receives the events of the clients they manage (`client_manager` is the event's
///   client's account manager at read time), agent settings (`agent.*`), and events without a client that
///   they caused themselves (their own pipeline reviews);
/// - a client user receives only the messages (`message.*`) of their own company: nothing of the agency's
///   work reaches the portal as it happens.
pub fn may_see_event(
    viewer: &Actor,
    action: &str,
    client_id: Option<Uuid>,
    client_manager: Option<Uuid>,
    actor_id: Option<Uuid>,
) -> bool {
    if action.starts_with("user.") || action.starts_with("webhook.") {
        return viewer.role == Role::Admin;
    }
    match viewer.role {
        Role::Client => action.starts_with("message.") && client_id.is_some() && client_id == viewer.client_id,
        Role::Admin | Role::Staff => true,
        Role::AccountManager => match client_id {
            Some(_) => client_manager == Some(viewer.user_id),
            None => action.starts_with("agent.") || actor_id == Some(viewer.user_id),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor { user_id: Uuid::nil(), role, client_id: (role == Role::Client).then(|| Uuid::from_u128(99)) }
    }

    #[test]
    fn anonymous_is_refused_every_action() {
        for action in Action::ALL {
            assert_eq!(authorize(None, action), Err(Denied::Unauthenticated), "{action:?}");
        }
    }

    #[test]
    fn admin_may_do_everything_but_hold_a_portfolio() {
        for action in Action::ALL {
            let client_only = [Action::ViewPortfolio, Action::UsePortal, Action::WriteToAgency];
            let expected = if client_only.contains(&action) { Err(Denied::Forbidden) } else { Ok(()) };
            assert_eq!(authorize(Some(&actor(Role::Admin)), action), expected, "{action:?}");
        }
    }

    #[test]
    fn only_admins_administer_users() {
        use Action::*;
        for role in [Role::Staff, Role::AccountManager] {
            for action in [
                ListUsers,
                CreateUser,
                ChangeUserRole,
                DeactivateUser,
                ReactivateUser,
                ResetUserPassword,
                ViewActivityLog,
            ] {
                assert_eq!(authorize(Some(&actor(role)), action), Err(Denied::Forbidden), "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn admins_and_staff_create_assign_and_delete_clients_account_managers_do_not() {
        use Action::*;
        for action in [CreateClient, AssignClient, DeleteClient] {
            assert_eq!(authorize(Some(&actor(Role::Staff)), action), Ok(()));
            assert_eq!(authorize(Some(&actor(Role::AccountManager)), action), Err(Denied::Forbidden));
        }
        for action in [ListClients, EditClient, ExportClients, CreateCampaign, ChangeCampaignStatus, DeleteCampaign] {
            assert_eq!(authorize(Some(&actor(Role::AccountManager)), action), Ok(()));
        }
    }

    #[test]
    fn account_managers_are_scoped_to_their_portfolio() {
        let me = Uuid::from_u128(7);
        let am = Actor { user_id: me, role: Role::AccountManager, client_id: None };
        let c = Uuid::from_u128(1);
        assert_eq!(client_scope(&am), ClientScope::ManagedBy(me));
        assert!(client_scope(&am).includes(c, Some(me)));
        assert!(!client_scope(&am).includes(c, Some(Uuid::from_u128(8))));
        assert!(!client_scope(&am).includes(c, None));
        assert_eq!(client_scope(&actor(Role::Staff)), ClientScope::All);
        assert!(ClientScope::All.includes(c, None));
    }

    #[test]
    fn staff_and_account_managers_manage_their_own_account() {
        for role in [Role::Staff, Role::AccountManager] {
            for action in [Action::ViewOwnAccount, Action::ChangeOwnPassword] {
                let expected: Result<(), Denied> = Ok(());
                assert_eq!(authorize(Some(&actor(role)), action), expected, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn admin_pages_need_admin_actions() {
        assert_eq!(page_action("/login"), None);
        assert_eq!(page_action("/"), Some(Action::ViewDashboard));
        assert_eq!(page_action("/account"), Some(Action::ViewOwnAccount));
        assert_eq!(page_action("/admin/users"), Some(Action::ListUsers));
        assert_eq!(page_action("/admin/users/"), Some(Action::ListUsers));
        assert_eq!(page_action("/admin/activity"), Some(Action::ViewActivityLog));
        assert_eq!(page_action("/admin/webhooks"), Some(Action::ManageWebhooks));
        assert_eq!(page_action("/admin/webhooks/x"), Some(Action::ManageWebhooks));
        assert_eq!(page_action("/admin/branding"), Some(Action::ManageBranding));
        assert_eq!(page_action("/clients/x/report"), Some(Action::ViewReports));
        assert_eq!(page_action("/administrator"), Some(Action::ViewOwnAccount));
        assert_eq!(page_action("/clients"), Some(Action::ListClients));
        assert_eq!(page_action("/clients/new"), Some(Action::CreateClient));
        assert_eq!(page_action("/campaigns/x"), Some(Action::ListClients));
        assert_eq!(page_action("/portfolio"), Some(Action::ViewPortfolio));
        assert_eq!(page_action("/tasks"), Some(Action::ListTasks));
        assert_eq!(page_action("/tasks/new"), Some(Action::RunAgentTask));
        assert_eq!(page_action("/agents"), Some(Action::ViewAgents));
        assert_eq!(page_action("/audits"), Some(Action::ViewAudits));
    }

    #[test]
    fn only_admins_switch_agents_off_everyone_runs_and_cancels_tasks_in_scope() {
        for role in [Role::Staff, Role::AccountManager] {
            assert_eq!(authorize(Some(&actor(role)), Action::ConfigureAgents), Err(Denied::Forbidden));
            for action in [Action::ListTasks, Action::RunAgentTask, Action::CancelTask, Action::ViewAgents] {
                assert_eq!(authorize(Some(&actor(role)), action), Ok(()));
            }
        }
    }

    #[test]
    fn events_reach_the_viewers_their_pages_reach() {
        let me = Uuid::new_v4();
        let other = Uuid::new_v4();
        let (client, manager) = (Some(Uuid::new_v4()), Some(me));
        let am = Actor { user_id: me, role: Role::AccountManager, client_id: None };
        let staff = actor(Role::Staff);
        let admin = actor(Role::Admin);
        assert!(may_see_event(&am, "client.updated", client, manager, Some(other)));
        assert!(!may_see_event(&am, "client.updated", client, Some(other), Some(me)));
        assert!(!may_see_event(&am, "client.updated", client, None, Some(me)), "an unassigned client");
        assert!(may_see_event(&am, "agent.disabled", None, None, Some(other)));
        assert!(may_see_event(&am, "task.completed", None, None, Some(me)));
        assert!(!may_see_event(&am, "task.completed", None, None, Some(other)));
        assert!(!may_see_event(&am, "user.signed_in", None, None, Some(me)));
        assert!(!may_see_event(&staff, "user.created", None, None, None));
        assert!(may_see_event(&staff, "client.updated", client, Some(other), None));
        assert!(may_see_event(&admin, "user.created", None, None, None));
    }

    #[test]
    fn client_users_have_their_account_and_the_portal_and_nothing_of_the_console() {
        let client = actor(Role::Client);
        for action in Action::ALL {
            let expected =
                [Action::ViewOwnAccount, Action::ChangeOwnPassword, Action::UsePortal, Action::WriteToAgency]
                    .contains(&action);
            assert_eq!(authorize(Some(&client), action).is_ok(), expected, "{action:?}");
        }
        for role in Role::AGENCY {
            assert_eq!(authorize(Some(&actor(role)), Action::UsePortal), Err(Denied::Forbidden));
        }
        assert_eq!(client_scope(&client), ClientScope::Only(Uuid::from_u128(99)));
        assert!(client_scope(&client).includes(Uuid::from_u128(99), None));
        assert!(!client_scope(&client).includes(Uuid::from_u128(98), Some(Uuid::nil())));
        let orphan = Actor { client_id: None, ..client };
        assert!(!client_scope(&orphan).includes(Uuid::from_u128(99), None), "a user without a company sees nothing");
        assert_eq!(page_action("/portal"), Some(Action::UsePortal));
        assert_eq!(page_action("/portal/report"), Some(Action::UsePortal));
        assert_eq!(page_action("/messages"), Some(Action::AnswerMessages));
        assert_eq!(page_action("/invite/abc"), None);
    }

    #[test]
    fn client_users_see_only_their_own_companys_messages_on_the_stream() {
        let client = actor(Role::Client);
        let mine = client.client_id;
        let other = Some(Uuid::from_u128(5));
        assert!(may_see_event(&client, "message.received", mine, None, None));
        assert!(may_see_event(&client, "message.sent", mine, Some(Uuid::from_u128(3)), None));
        assert!(!may_see_event(&client, "message.sent", other, None, None));
        assert!(!may_see_event(&client, "message.sent", None, None, Some(client.user_id)));
        for action in ["task.completed", "audit.completed", "client.updated", "report.sent", "user.signed_in"] {
            assert!(!may_see_event(&client, action, mine, None, Some(client.user_id)), "{action}");
        }
    }
}
