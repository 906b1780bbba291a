//! What the store benchmarks share: a record like a browser's, for a consent id numbered `n`.

use kuki_core::wire::{ConsentAction, ConsentEvent};
use kuki_core::ConsentId;
use kuki_server::store::NewRecord;

/// Event `seq` of the consent id numbered `n`.
pub fn record_of(n: u64, seq: u32) -> NewRecord {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
    bytes[8..].copy_from_slice(&n.to_be_bytes());
    let categories = kuki_core::category::defaults().into_iter().map(|c| (c.id, n % 3 == 0)).collect();
    let event = ConsentEvent {
        consent_id: ConsentId::from_random(bytes),
        seq,
        action: ConsentAction::Custom,
        categories,
        policy_version: kuki_core::token::PolicyVersion::parse("2024-01-01").unwrap(),
        config_revision: 0,
        lang: kuki_core::Lang::Ko,
        gpc: false,
        client_time: 1_700_000_000_000,
        services: None,
    };
    NewRecord {
        event_json: kuki_server::event::canonical_json(&event),
        event,
        received_at: kuki_server::time::now_ms(),
        origin: Some("https://shop.example".into()),
        ip_prefix: Some("203.0.113.0/24".into()),
    }
}
