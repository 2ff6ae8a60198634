//! The commits of a busy GitHub push, which pad the sample bodies to about 25 KB.

use serde_json::{Value, json};

/// `count` commits, each adding one file and changing two, with a 130-character message.
pub fn commits(count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            json!({"id": format!("{i:040x}"), "message": format!("Change {i}: {}", "x".repeat(120)),
                   "timestamp": "2026-11-23T12:00:00Z", "author": {"name": "José", "email": "jose@example.com"},
                   "added": [format!("src/new_{i}.rs")], "removed": [],
                   "modified": ["README.md", format!("src/lib_{i}.rs")]})
        })
        .collect()
}
