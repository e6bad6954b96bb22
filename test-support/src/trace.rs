//! A `tracing` subscriber that records every span and event of a closure, so tests can
//! assert what the drivers log (and that no secret is in it).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// A span's name and fields.
pub type SpanRecord = (String, BTreeMap<String, String>);

/// One event: its level, message, fields and the names and fields of the spans it was in.
#[derive(Clone, Debug)]
pub struct Captured {
    /// The level.
    pub level: Level,
    /// The module that logged it (`lambda_proto::call`).
    pub target: String,
    /// The `message` field.
    pub message: String,
    /// The other fields, as text.
    pub fields: BTreeMap<String, String>,
    /// The enclosing spans, outermost first: name and fields.
    pub spans: Vec<SpanRecord>,
}

impl Captured {
    /// A field of the event or of an enclosing span (innermost first).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .or_else(|| self.spans.iter().rev().find_map(|(_, f)| f.get(name)))
            .map(String::as_str)
    }

    /// Everything recorded, as one text (to search for secrets).
    pub fn text(&self) -> String {
        format!("{self:?}")
    }
}

/// Runs `f` with a subscriber that records all levels; returns its result and the events.
///
/// Callsites cache whether anyone listens: a test binary whose other tests log at the same
/// time without a subscriber can hide events from this one. Tests that capture hold
/// [`serial`] for their whole run.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<Captured>) {
    let collector = Collector::default();
    let events = Arc::clone(&collector.events);
    let out = tracing::subscriber::with_default(collector, f);
    let events = events.lock().unwrap().clone();
    (out, events)
}

#[derive(Default)]
struct Collector {
    next_id: AtomicU64,
    spans: Mutex<BTreeMap<u64, SpanRecord>>,
    stack: Mutex<Vec<u64>>,
    events: Arc<Mutex<Vec<Captured>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Collector {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = BTreeMap::new();
        span.record(&mut Fields(&mut fields));
        let name = span.metadata().name().to_string();
        self.spans.lock().unwrap().insert(id, (name, fields));
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some((_, fields)) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let message = fields.remove("message").unwrap_or_default();
        let spans = {
            let all = self.spans.lock().unwrap();
            let stack = self.stack.lock().unwrap();
            stack.iter().filter_map(|id| all.get(id).cloned()).collect()
        };
        self.events.lock().unwrap().push(Captured {
            level: *event.metadata().level(),
            target: event.metadata().target().to_string(),
            message,
            fields,
            spans,
        });
    }

    fn enter(&self, span: &Id) {
        self.stack.lock().unwrap().push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let mut stack = self.stack.lock().unwrap();
        if let Some(at) = stack.iter().rposition(|id| *id == span.into_u64()) {
            stack.remove(at);
        }
    }
}

/// A lock the tests of one binary hold so that they do not run while another captures.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
