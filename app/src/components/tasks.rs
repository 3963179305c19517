//! Agent tasks as the task list, the agents page and a client's page show them: the task table, the status
//! badge, the processing time and the task's client.

use domain::model::task::{TaskStatus, TaskSummary};
use leptos::prelude::*;
use uuid::Uuid;

use super::table::Col::Text;
use super::table::DataTable;

/// The badge class of a task status (the status is also written in words inside the badge).
pub fn status_class(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Pending => "badge badge-pending",
        TaskStatus::InProgress => "badge badge-running",
        TaskStatus::Completed => "badge badge-ok",
        TaskStatus::Failed => "badge badge-failed",
        TaskStatus::Cancelled => "badge badge-cancelled",
    }
}

/// A task's processing time: milliseconds under a second, seconds with one decimal above.
pub fn duration_text(ms: Option<i32>) -> String {
    match ms {
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", f64::from(ms) / 1000.0),
        None => "—".into(),
    }
}

/// The client a task is about, linked to its page; a task without one (a pipeline review) covers every
/// client in the caller's scope.
#[component]
pub fn TaskClient(id: Option<Uuid>, name: Option<String>) -> impl IntoView {
    match (id, name) {
        (Some(id), Some(name)) => view! { <a href=format!("/clients/{id}")>{name}</a> }.into_any(),
        _ => view! { "All clients in scope" }.into_any(),
    }
}

/// A table of tasks; the status cell is a live region so screen readers hear changes.
#[component]
pub fn TaskTable(tasks: Vec<TaskSummary>, caption: &'static str) -> impl IntoView {
    if tasks.is_empty() {
        return view! { <p>"No tasks match."</p> }.into_any();
    }
    view! {
        <DataTable caption=caption caption_shown=true columns=&[
            Text("Task"), Text("Agent"), Text("Client"), Text("Status"), Text("Priority"), Text("Created"),
            Text("Duration"),
        ]>
            {tasks.into_iter().map(|t| view! {
                <tr>
                    <td><a href=format!("/tasks/{}", t.id)>{t.task_type.label()}</a></td>
                    <td>{t.agent.label()}</td>
                    <td><TaskClient id=t.client_id name=t.client_name /></td>
                    <td aria-live="polite"><span class=status_class(t.status)>{t.status.label()}</span></td>
                    <td>{t.priority.label()}</td>
                    <td>{t.created_at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                    <td>{duration_text(t.duration_ms)}</td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}
