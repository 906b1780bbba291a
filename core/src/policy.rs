//! The privacy policy document model. (The full model and the default document arrive with the policy issue.)

/// The version of the default policy (나와의 대화's policy as in `shared/seed/privacy-policy.ko.txt`).
pub const DEFAULT_POLICY_VERSION: &str = "2024-01-01";
