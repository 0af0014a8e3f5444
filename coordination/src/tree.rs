//! A set of Tasks as a forest by `Task.partOf` ("Task that this particular task is part of",
//! R4-SD; "This should usually be 0..1"): children, roots, depth. Tasks without an id, repeated
//! ids, `partOf` references that name no Task of the set, several parents, and cycles are
//! reported — all of them at once — and never loop.

use std::collections::HashMap;
use std::fmt;

use fhir_model::{ReferenceTarget, Task};

/// One reason a set of Tasks is not a forest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeProblem {
    /// The Task at this position of the input has no id, so nothing can refer to it.
    MissingId {
        /// Position in the input.
        index: usize,
    },
    /// Two Tasks of the set have the same id.
    DuplicateId {
        /// The id.
        id: String,
    },
    /// A `partOf` reference to a Task that is not in the set.
    Dangling {
        /// The Task holding the reference.
        task: String,
        /// The reference as written.
        reference: String,
    },
    /// A `partOf` reference that is not a literal reference to a Task (`Task/[id]`, possibly
    /// absolute): a contained, logical or non-Task reference.
    NotATaskReference {
        /// The Task holding the reference.
        task: String,
        /// The reference as written (or `identifier …` for a logical one).
        reference: String,
    },
    /// A Task that is `partOf` several Tasks of the set (a tree has one parent per node).
    MultipleParents {
        /// The Task.
        task: String,
        /// The parents' ids.
        parents: Vec<String>,
    },
    /// Tasks that are (indirectly) part of themselves, in `partOf` order, starting with the
    /// smallest id.
    Cycle {
        /// The ids.
        tasks: Vec<String>,
    },
}

impl fmt::Display for TreeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TreeProblem::MissingId { index } => write!(f, "Task #{index}: no id (expected an id to build a tree)"),
            TreeProblem::DuplicateId { id } => write!(f, "Task/{id}: id used by more than one Task"),
            TreeProblem::Dangling { task, reference } => {
                write!(f, "Task/{task}.partOf: {reference} is not a Task of the set")
            }
            TreeProblem::NotATaskReference { task, reference } => write!(
                f,
                "Task/{task}.partOf: expected a literal reference to a Task, found {reference}"
            ),
            TreeProblem::MultipleParents { task, parents } => write!(
                f,
                "Task/{task}.partOf: expected one parent, found {} (Task/{})",
                parents.len(),
                parents.join(", Task/")
            ),
            TreeProblem::Cycle { tasks } => {
                write!(f, "partOf cycle: Task/{} -> Task/{}", tasks.join(" -> Task/"), tasks[0])
            }
        }
    }
}

/// The Tasks do not form a forest by `partOf`; every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Tasks do not form a tree by partOf: {}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct TreeError {
    /// Every problem, in input order (cycles last).
    pub problems: Vec<TreeProblem>,
}

/// A forest of Tasks by `partOf`.
///
/// ```
/// use fhir_model::{Primitive, Reference, Task, TaskIntent, TaskStatus};
/// use coordination::TaskTree;
///
/// let task = |id: &str, parent: Option<&str>| {
///     let mut t = Task::new(TaskStatus::Requested, TaskIntent::Order);
///     t.id = Some(Primitive::from(id));
///     t.part_of.extend(parent.map(|p| Reference::to_type_id("Task", p)));
///     t
/// };
/// let tasks = vec![task("coord", None), task("draw", Some("coord")), task("label", Some("draw"))];
/// let tree = TaskTree::build(&tasks)?;
/// assert_eq!(tree.roots().len(), 1);
/// assert_eq!(tree.depth("label"), Some(2));
///
/// let cyclic = vec![task("a", Some("b")), task("b", Some("a"))];
/// let err = TaskTree::build(&cyclic).unwrap_err();
/// assert_eq!(err.to_string(), "the Tasks do not form a tree by partOf: partOf cycle: Task/a -> Task/b -> Task/a");
/// # Ok::<(), coordination::TreeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TaskTree<'a> {
    tasks: Vec<&'a Task>,
    ids: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    depth: Vec<usize>,
    roots: Vec<usize>,
}

impl<'a> TaskTree<'a> {
    /// Builds the forest, or reports every problem. Runs in linear time; never loops.
    pub fn build(tasks: &'a [Task]) -> Result<TaskTree<'a>, TreeError> {
        let mut problems = Vec::new();
        let mut ids = Vec::with_capacity(tasks.len());
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(tasks.len());
        for (i, t) in tasks.iter().enumerate() {
            match t.id.as_ref().and_then(|p| p.value.as_deref()) {
                None => {
                    problems.push(TreeProblem::MissingId { index: i });
                    ids.push("");
                }
                Some(id) => {
                    if index.insert(id, i).is_some() {
                        problems.push(TreeProblem::DuplicateId { id: id.to_owned() });
                    }
                    ids.push(id);
                }
            }
        }

        let n = tasks.len();
        let mut parent: Vec<Option<usize>> = vec![None; n];
        for (i, t) in tasks.iter().enumerate() {
            let me = ids[i];
            let mut parents: Vec<usize> = Vec::new();
            for r in &t.part_of {
                match r.target() {
                    Some(ReferenceTarget::Resource {
                        resource_type: "Task",
                        id,
                        ..
                    }) => match index.get(id) {
                        Some(&p) => {
                            if !parents.contains(&p) {
                                parents.push(p);
                            }
                        }
                        None => problems.push(TreeProblem::Dangling {
                            task: me.to_owned(),
                            reference: r.reference_str().unwrap_or_default().to_owned(),
                        }),
                    },
                    _ => problems.push(TreeProblem::NotATaskReference {
                        task: me.to_owned(),
                        reference: describe_reference(r),
                    }),
                }
            }
            match parents.as_slice() {
                [] => {}
                [p] => parent[i] = Some(*p),
                many => problems.push(TreeProblem::MultipleParents {
                    task: me.to_owned(),
                    parents: many.iter().map(|p| ids[*p].to_owned()).collect(),
                }),
            }
        }

        problems.extend(cycles(&parent, &ids));
        if !problems.is_empty() {
            return Err(TreeError { problems });
        }

        let mut children = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, p) in parent.iter().enumerate() {
            match p {
                Some(p) => children[*p].push(i),
                None => roots.push(i),
            }
        }
        let mut depth = vec![0; n];
        let mut stack: Vec<usize> = roots.clone();
        while let Some(i) = stack.pop() {
            for &c in &children[i] {
                depth[c] = depth[i] + 1;
                stack.push(c);
            }
        }
        Ok(TaskTree {
            tasks: tasks.iter().collect(),
            ids,
            index,
            parent,
            children,
            depth,
            roots,
        })
    }

    /// The number of Tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The Task with this id.
    pub fn get(&self, id: &str) -> Option<&'a Task> {
        self.index.get(id).map(|&i| self.tasks[i])
    }

    /// The Tasks that are part of no other Task, in input order.
    pub fn roots(&self) -> Vec<&'a Task> {
        self.roots.iter().map(|&i| self.tasks[i]).collect()
    }

    /// The Tasks directly `partOf` the Task `id`, in input order (empty for an unknown id).
    pub fn children(&self, id: &str) -> Vec<&'a Task> {
        self.index
            .get(id)
            .map(|&i| self.children[i].iter().map(|&c| self.tasks[c]).collect())
            .unwrap_or_default()
    }

    /// The Task the Task `id` is part of.
    pub fn parent(&self, id: &str) -> Option<&'a Task> {
        self.index.get(id).and_then(|&i| self.parent[i]).map(|p| self.tasks[p])
    }

    /// 0 for a root, 1 for its children, …; `None` for an unknown id.
    pub fn depth(&self, id: &str) -> Option<usize> {
        self.index.get(id).map(|&i| self.depth[i])
    }

    /// Every Task below the Task `id`, depth first, children in input order.
    pub fn descendants(&self, id: &str) -> Vec<&'a Task> {
        let Some(&start) = self.index.get(id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut stack: Vec<usize> = self.children[start].iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            out.push(self.tasks[i]);
            stack.extend(self.children[i].iter().rev());
        }
        out
    }

    /// The id of the root above the Task `id` (itself for a root).
    pub fn root_of(&self, id: &str) -> Option<&'a str> {
        let mut i = *self.index.get(id)?;
        while let Some(p) = self.parent[i] {
            i = p;
        }
        Some(self.ids[i])
    }
}

fn describe_reference(r: &fhir_model::Reference) -> String {
    match (r.reference_str(), r.identifier.as_deref()) {
        (Some(text), _) => text.to_owned(),
        (None, Some(i)) => format!(
            "identifier {}|{}",
            i.system.as_ref().and_then(|s| s.value.as_deref()).unwrap_or(""),
            i.value.as_ref().and_then(|s| s.value.as_deref()).unwrap_or("")
        ),
        (None, None) => "a reference without reference or identifier".to_owned(),
    }
}

/// Every cycle of the parent function, each once. Each node is visited a bounded number of
/// times: a walk stops at the first node already finished or on the current path.
fn cycles(parent: &[Option<usize>], ids: &[&str]) -> Vec<TreeProblem> {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; parent.len()];
    let mut out = Vec::new();
    for start in 0..parent.len() {
        if state[start] != NEW {
            continue;
        }
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state[i] {
                NEW => {
                    state[i] = ON_PATH;
                    path.push(i);
                    at = parent[i];
                }
                ON_PATH => {
                    let from = path.iter().position(|&p| p == i).unwrap_or(0);
                    let mut members: Vec<&str> = path[from..].iter().map(|&p| ids[p]).collect();
                    let smallest = (0..members.len()).min_by_key(|&k| members[k]).unwrap_or(0);
                    members.rotate_left(smallest);
                    out.push(TreeProblem::Cycle {
                        tasks: members.into_iter().map(str::to_owned).collect(),
                    });
                    break;
                }
                _ => break,
            }
        }
        for p in path {
            state[p] = DONE;
        }
    }
    out
}
