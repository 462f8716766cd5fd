//! Webhook subscriptions, their deliveries, and whether a delivery may go to its subscriber (the policy's read decision at delivery time).
