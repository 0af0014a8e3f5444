//! The FHIRPath location of the element being checked (`Bundle.entry[2].resource.input[1].value`).
//!
//! Repeating elements always carry their index (also `[0]`), single elements never, as in
//! `OperationOutcome.issue.expression` written by the HL7 validator. Choice elements are named
//! without their type suffix (`value`, not `valueString`), as FHIRPath names them.

use std::fmt::Write as _;

/// A location built while walking: pushing a child appends to one buffer, popping truncates it,
/// so a walk allocates only when an issue is reported.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    text: String,
    marks: Vec<usize>,
}

impl Location {
    /// A location at `root` (a resource type, or the path of a nested resource).
    pub fn new(root: &str) -> Self {
        Location {
            text: root.to_owned(),
            marks: Vec::new(),
        }
    }

    /// Steps into child `name`, item `index` when the element repeats.
    pub fn push(&mut self, name: &str, index: Option<usize>) {
        self.marks.push(self.text.len());
        self.text.push('.');
        self.text.push_str(name);
        if let Some(i) = index {
            let _ = write!(self.text, "[{i}]");
        }
    }

    /// Steps back out of the last child pushed.
    pub fn pop(&mut self) {
        if let Some(len) = self.marks.pop() {
            self.text.truncate(len);
        }
    }

    /// The location as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The location of child `name` (without stepping into it).
    pub fn child(&self, name: &str) -> String {
        format!("{}.{name}", self.text)
    }

    /// The location of item `index` of child `name`.
    pub fn item(&self, name: &str, index: usize) -> String {
        format!("{}.{name}[{index}]", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::Location;

    #[test]
    fn push_and_pop_restore_the_parent() {
        let mut l = Location::new("Task");
        l.push("input", Some(1));
        l.push("value", None);
        assert_eq!(l.as_str(), "Task.input[1].value");
        l.pop();
        assert_eq!(l.as_str(), "Task.input[1]");
        assert_eq!(l.child("type"), "Task.input[1].type");
        l.pop();
        l.pop();
        assert_eq!(l.as_str(), "Task");
        assert_eq!(l.item("output", 0), "Task.output[0]");
    }
}
