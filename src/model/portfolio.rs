//! What clients add up to: counts and money by industry or country, and the rows of an account manager's
//! portfolio page. Read by the store, shown by the app (the same types on both sides).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Counts and money for one group of clients (an industry or a country).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// The stored value: an industry's key or an ISO country code.
    pub key: String,
    /// The industry's label or the country's name (the key where there is none).
    pub label: String,
    pub clients: i64,
    /// Sum of the clients' annual revenue (where known).
    pub annual_revenue: i64,
    /// Revenue under management: the sum of monthly values of won clients (the agency's recurring revenue).
    pub managed_monthly_value: i64,
    /// Clients per pipeline stage (by its label), in pipeline order.
    pub stages: Vec<(String, i64)>,
}

/// Client statistics within the caller's portfolio: both groupings and the totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientStats {
    pub by_industry: Vec<GroupStats>,
    pub by_country: Vec<GroupStats>,
    pub total_clients: i64,
    pub total_managed_monthly_value: i64,
}

/// A row of an account manager's portfolio page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(sqlx::FromRow))]
pub struct PortfolioRow {
    pub id: Uuid,
    pub company_name: String,
    pub domain: String,
    pub stage: String,
    pub monthly_value: i64,
    pub active_campaigns: i64,
    pub last_activity: Option<DateTime<Utc>>,
}
