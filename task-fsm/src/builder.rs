//! Defining a machine. The built-in machines are defined with this same builder.

use fhir_model::TaskStatus;

use crate::machine::{EditScope, EntryCondition, EntryRule, ImmutableRule, Severity, Transition};
use crate::status::{index, StatusSet, STATUS_COUNT};
use crate::{Actor, ElementPath, Error, Machine, TaskElement};

/// A transition row written as static data (how the built-in tables are written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The status before.
    pub from: TaskStatus,
    /// The status after.
    pub to: TaskStatus,
    /// Who may make the change ([`Actor::ANY`] for every declared actor).
    pub actors: &'static [Actor],
    /// Source keys.
    pub source: &'static str,
}

#[derive(Debug, Clone)]
struct PendingEntryRule {
    states: Vec<TaskStatus>,
    path: String,
    condition: EntryCondition,
    severity: Severity,
    source: String,
}

/// A machine definition in progress; [`MachineBuilder::build`] checks it and returns the
/// [`Machine`]. Nothing is checked before `build`, so calls may come in any order.
#[derive(Debug, Clone)]
pub struct MachineBuilder {
    name: String,
    title: String,
    states: Vec<TaskStatus>,
    initial: Vec<TaskStatus>,
    terminal: Vec<TaskStatus>,
    actors: Option<Vec<Actor>>,
    rows: Vec<(TaskStatus, TaskStatus, Vec<Actor>, String)>,
    entry_rules: Vec<PendingEntryRule>,
    immutable: Vec<(String, String)>,
    edit_scopes: Vec<(Actor, Vec<String>, String)>,
    terminal_business_status: Option<(Severity, String)>,
}

/// The most actors a machine can declare (one bit each).
const MAX_ACTORS: usize = 64;

impl MachineBuilder {
    pub(crate) fn new(name: impl Into<String>) -> Self {
        MachineBuilder {
            name: name.into(),
            title: String::new(),
            states: Vec::new(),
            initial: Vec::new(),
            terminal: Vec::new(),
            actors: None,
            rows: Vec::new(),
            entry_rules: Vec::new(),
            immutable: Vec::new(),
            edit_scopes: Vec::new(),
            terminal_business_status: None,
        }
    }

    pub(crate) fn renamed(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// A one-line description.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Declares states (may be called more than once).
    pub fn states(mut self, states: impl IntoIterator<Item = TaskStatus>) -> Self {
        self.states.extend(states);
        self
    }

    /// Declares the states a Task may be created in.
    pub fn initial(mut self, states: impl IntoIterator<Item = TaskStatus>) -> Self {
        self.initial.extend(states);
        self
    }

    /// Declares the end states. A terminal state may only have a transition to
    /// `entered-in-error` (a correction).
    pub fn terminal(mut self, states: impl IntoIterator<Item = TaskStatus>) -> Self {
        self.terminal.extend(states);
        self
    }

    /// Declares the actors, in order. Without this call the machine declares
    /// [`Actor::STANDARD`] (requester, owner, patient-app, other).
    pub fn actors(mut self, actors: impl IntoIterator<Item = Actor>) -> Self {
        self.actors.get_or_insert_with(Vec::new).extend(actors);
        self
    }

    /// Allows `actors` to change `from` to `to`. [`Actor::ANY`] stands for every declared
    /// actor. Several rows for the same pair add up.
    pub fn transition(
        mut self,
        from: TaskStatus,
        to: TaskStatus,
        actors: impl IntoIterator<Item = Actor>,
        source: impl Into<String>,
    ) -> Self {
        self.rows.push((from, to, actors.into_iter().collect(), source.into()));
        self
    }

    /// Adds static rows.
    pub fn rows(mut self, rows: &[Row]) -> Self {
        for r in rows {
            self.rows.push((r.from, r.to, r.actors.to_vec(), r.source.to_owned()));
        }
        self
    }

    /// Requires `path` (such as `Task.output`) to be present when a Task enters one of `states`.
    pub fn require_on_entry(
        self,
        states: impl IntoIterator<Item = TaskStatus>,
        path: &str,
        severity: Severity,
        source: impl Into<String>,
    ) -> Self {
        self.entry_rule(states, path, EntryCondition::Present, severity, source.into())
    }

    /// Requires `path` to be absent when a Task enters one of `states`.
    pub fn forbid_on_entry(
        self,
        states: impl IntoIterator<Item = TaskStatus>,
        path: &str,
        severity: Severity,
        source: impl Into<String>,
    ) -> Self {
        self.entry_rule(states, path, EntryCondition::Absent, severity, source.into())
    }

    fn entry_rule(
        mut self,
        states: impl IntoIterator<Item = TaskStatus>,
        path: &str,
        condition: EntryCondition,
        severity: Severity,
        source: String,
    ) -> Self {
        self.entry_rules.push(PendingEntryRule {
            states: states.into_iter().collect(),
            path: path.to_owned(),
            condition,
            severity,
            source,
        });
        self
    }

    /// Declares a top-level element (such as `Task.intent`) that must not change once it has a value.
    pub fn immutable(mut self, path: &str, source: impl Into<String>) -> Self {
        self.immutable.push((path.to_owned(), source.into()));
        self
    }

    /// Limits `actor` to changing only the listed top-level elements.
    pub fn edit_scope<'p>(
        mut self,
        actor: Actor,
        paths: impl IntoIterator<Item = &'p str>,
        source: impl Into<String>,
    ) -> Self {
        self.edit_scopes
            .push((actor, paths.into_iter().map(str::to_owned).collect(), source.into()));
        self
    }

    /// Reports a change of `businessStatus` while a Task stays in a terminal state.
    pub fn freeze_business_status_when_terminal(mut self, severity: Severity, source: impl Into<String>) -> Self {
        self.terminal_business_status = Some((severity, source.into()));
        self
    }

    /// Checks the definition: a valid name; at least one initial state; every state used is
    /// declared; every actor used is declared; no transition out of a terminal state except to
    /// `entered-in-error`; every state reachable from an initial state; every element path
    /// known.
    pub fn build(self) -> Result<Machine, Error> {
        let name = self.name.clone();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(Error::InvalidName { name });
        }
        let states: StatusSet = self.states.iter().copied().collect();
        let declared = || states.codes();
        let check_state = |place: &str, state: TaskStatus| {
            if states.contains(state) {
                Ok(())
            } else {
                Err(Error::UndeclaredState {
                    machine: name.clone(),
                    place: place.to_owned(),
                    state,
                    declared: declared(),
                })
            }
        };
        for s in &self.initial {
            check_state("the initial states", *s)?;
        }
        for s in &self.terminal {
            check_state("the terminal states", *s)?;
        }
        if self.initial.is_empty() {
            return Err(Error::NoInitialState { machine: name });
        }
        let initial: StatusSet = self.initial.iter().copied().collect();
        let terminal: StatusSet = self.terminal.iter().copied().collect();

        let actors = self.actors.clone().unwrap_or_else(|| Actor::STANDARD.to_vec());
        let invalid_actors = |problem: String| Error::InvalidActors {
            machine: name.clone(),
            problem,
        };
        if actors.is_empty() {
            return Err(invalid_actors("no actors declared".into()));
        }
        if actors.len() > MAX_ACTORS {
            return Err(invalid_actors(format!(
                "{} actors declared, at most {MAX_ACTORS}",
                actors.len()
            )));
        }
        for (i, a) in actors.iter().enumerate() {
            if *a == Actor::ANY {
                return Err(invalid_actors(
                    "`any` stands for every actor and cannot be declared".into(),
                ));
            }
            if a.name().is_empty() || a.name().chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(invalid_actors(format!(
                    "actor name {:?} is empty or contains white space",
                    a.name()
                )));
            }
            if actors[..i].contains(a) {
                return Err(invalid_actors(format!("actor {a} declared twice")));
            }
        }
        let declared_actors = || actors.iter().map(Actor::name).collect::<Vec<_>>().join(" ");

        let mut edges = [[0u64; STATUS_COUNT]; STATUS_COUNT];
        let mut transitions = Vec::with_capacity(self.rows.len());
        for (from, to, row_actors, source) in &self.rows {
            let place = format!("transition {from} -> {to}");
            check_state(&place, *from)?;
            check_state(&place, *to)?;
            if from == to {
                return Err(Error::SelfTransition {
                    machine: name.clone(),
                    state: *from,
                });
            }
            if terminal.contains(*from) && *to != TaskStatus::EnteredInError {
                return Err(Error::ExitFromTerminal {
                    machine: name.clone(),
                    from: *from,
                    to: *to,
                });
            }
            let mut bits = 0u64;
            for a in row_actors {
                if *a == Actor::ANY {
                    bits |= if actors.len() == 64 {
                        u64::MAX
                    } else {
                        (1 << actors.len()) - 1
                    };
                    continue;
                }
                let i = actors
                    .iter()
                    .position(|d| d == a)
                    .ok_or_else(|| Error::UndeclaredActor {
                        machine: name.clone(),
                        place: place.clone(),
                        actor: a.clone(),
                        declared: declared_actors(),
                    })?;
                bits |= 1 << i;
            }
            if bits == 0 {
                return Err(Error::NoActor {
                    machine: name.clone(),
                    from: *from,
                    to: *to,
                });
            }
            edges[index(*from)][index(*to)] |= bits;
            let expanded = actors
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, a)| a.clone())
                .collect();
            transitions.push(Transition {
                from: *from,
                to: *to,
                actors: expanded,
                source: source.clone(),
            });
        }

        let invalid_rule = |place: String, e: Error| Error::InvalidRule {
            machine: name.clone(),
            place,
            source: Box::new(e),
        };
        let mut entry_rules = Vec::with_capacity(self.entry_rules.len());
        for r in &self.entry_rules {
            let place = format!("entry rule on {}", r.path);
            for s in &r.states {
                check_state(&place, *s)?;
            }
            let path = ElementPath::parse(&r.path).map_err(|e| invalid_rule(place, e))?;
            entry_rules.push(EntryRule {
                states: r.states.iter().copied().collect(),
                path,
                condition: r.condition,
                severity: r.severity,
                source: r.source.clone(),
            });
        }
        let top_level = |place: String, path: &str| {
            TaskElement::from_name(path)
                .filter(|_| path.starts_with("Task."))
                .ok_or_else(|| invalid_rule(place, Error::UnknownElement { path: path.to_owned() }))
        };
        let mut immutable = Vec::with_capacity(self.immutable.len());
        for (path, source) in &self.immutable {
            let element = top_level(format!("immutable rule on {path}"), path)?;
            immutable.push(ImmutableRule {
                element,
                source: source.clone(),
            });
        }
        let mut edit_scopes = Vec::with_capacity(self.edit_scopes.len());
        for (actor, paths, source) in &self.edit_scopes {
            let place = format!("edit scope of {actor}");
            if !actors.contains(actor) {
                return Err(Error::UndeclaredActor {
                    machine: name.clone(),
                    place,
                    actor: actor.clone(),
                    declared: declared_actors(),
                });
            }
            let elements = paths
                .iter()
                .map(|p| top_level(place.clone(), p))
                .collect::<Result<Vec<_>, _>>()?;
            edit_scopes.push(EditScope {
                actor: actor.clone(),
                elements,
                source: source.clone(),
            });
        }

        let machine = Machine {
            name: name.clone(),
            title: self.title,
            states,
            initial,
            terminal,
            actors,
            edges,
            transitions,
            entry_rules,
            immutable,
            edit_scopes,
            terminal_business_status: self.terminal_business_status,
        };
        let reachable = machine.reachable();
        if let Some(state) = states.difference(reachable).iter().next() {
            return Err(Error::UnreachableState {
                machine: name,
                state,
                initial: initial.codes(),
            });
        }
        Ok(machine)
    }
}
