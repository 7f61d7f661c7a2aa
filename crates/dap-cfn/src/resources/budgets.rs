//! `AWS::Budgets::Budget`.

use serde::Serialize;

use crate::Value;

/// `AWS::Budgets::Budget`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Budget {
    pub budget: BudgetData,
    pub notifications_with_subscribers: Vec<NotificationWithSubscribers>,
}

/// The budget itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BudgetData {
    pub budget_name: String,
    pub budget_type: String,
    pub time_unit: String,
    pub budget_limit: Spend,
}

/// An amount.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Spend {
    pub amount: f64,
    pub unit: String,
}

/// A notification and who gets it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotificationWithSubscribers {
    pub notification: Notification,
    pub subscribers: Vec<Subscriber>,
}

/// When to notify.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Notification {
    pub notification_type: String,
    pub comparison_operator: String,
    pub threshold: f64,
    pub threshold_type: String,
}

/// Who is notified.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscriber {
    pub subscription_type: String,
    pub address: Value<String>,
}
