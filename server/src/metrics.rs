//! Counters for `GET /metrics`, in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Default)]
pub struct Metrics {
    pub events_stored: AtomicU64,
    pub events_replayed: AtomicU64,
    pub events_conflicting: AtomicU64,
    pub erasures: AtomicU64,
    pub store_errors: AtomicU64,
    pub rate_limited: AtomicU64,
    /// Responses by status class: 2xx, 3xx, 4xx, 5xx.
    pub responses: [AtomicU64; 4],
}

impl Metrics {
    pub fn count_response(&self, status: u16) {
        if let Some(c) = self.responses.get(usize::from(status / 100).wrapping_sub(2)) {
            c.fetch_add(1, Relaxed);
        }
    }

    pub fn render(&self, writer: &crate::store::WriterStats) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, v: &AtomicU64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", v.load(Relaxed));
        };
        counter("kuki_events_stored_total", "Consent events committed.", &self.events_stored);
        counter("kuki_events_replayed_total", "Replays answered with the original receipt.", &self.events_replayed);
        counter("kuki_events_conflicting_total", "Posts refused with 409.", &self.events_conflicting);
        counter("kuki_erasures_total", "Consent histories erased on request.", &self.erasures);
        counter("kuki_store_errors_total", "Writes answered 503 because the database failed.", &self.store_errors);
        counter("kuki_rate_limited_total", "Requests answered 429.", &self.rate_limited);
        counter(
            "kuki_store_batches_total",
            "Transactions the writer committed or tried (group commit).",
            &writer.batches,
        );
        counter(
            "kuki_store_batch_commands_total",
            "Commands over all batches (/ batches = mean group).",
            &writer.commands,
        );
        counter("kuki_store_failed_batches_total", "Batches whose transaction failed.", &writer.failed_batches);
        counter("kuki_store_busy_microseconds_total", "Time the writer spent applying batches.", &writer.busy_micros);
        let _ = writeln!(out, "# HELP kuki_http_responses_total HTTP responses by status class.");
        let _ = writeln!(out, "# TYPE kuki_http_responses_total counter");
        for (i, c) in self.responses.iter().enumerate() {
            let _ = writeln!(out, "kuki_http_responses_total{{class=\"{}xx\"}} {}", i + 2, c.load(Relaxed));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_has_a_type_line_per_metric_and_classes_by_label() {
        let m = Metrics::default();
        m.events_stored.fetch_add(3, Relaxed);
        m.count_response(201);
        m.count_response(503);
        m.count_response(101);
        let writer = crate::store::WriterStats::default();
        writer.record(7, std::time::Instant::now(), true);
        let text = m.render(&writer);
        assert!(text.contains("kuki_store_batch_commands_total 7\n"));
        assert!(text.contains("# TYPE kuki_events_stored_total counter\nkuki_events_stored_total 3\n"));
        assert!(text.contains("kuki_http_responses_total{class=\"2xx\"} 1"));
        assert!(text.contains("kuki_http_responses_total{class=\"5xx\"} 1"));
    }
}
