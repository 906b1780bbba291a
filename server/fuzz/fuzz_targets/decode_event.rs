//! The request decoder on arbitrary bytes: it must never panic, and whatever it accepts must survive the
//! canonical form it is stored in (decode -> canonical JSON -> decode gives the same event).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // No allow-list: every well-formed category id reaches the store, so every one must round-trip.
    if let Ok(event) = kuki_server::event::parse_event(data, None) {
        let canonical = kuki_server::event::canonical_json(&event);
        let again = kuki_server::event::parse_event(canonical.as_bytes(), None)
            .expect("the canonical form of an accepted event is accepted");
        assert_eq!(again, event);
        if data.len() <= kuki_core::wire::MAX_BODY_BYTES {
            assert!(canonical.len() <= kuki_core::wire::MAX_BODY_BYTES, "a stored event fits in a request");
        }
    }
});
